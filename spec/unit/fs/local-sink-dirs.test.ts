// The local sink and D/E records (docs/protocol.md §4.3, directories): created
// with u+rwx, their real mode and times set after E.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalSink } from '../../../lib/fs/local-sink';
import type { ReceivedTimes, SinkHandler } from '../../../lib/protocol/sink-types';
import { modeOf, receive, tempDir } from './helpers';

// A refusal as the user is shown it (the sink also keeps its unescaped form for the peer).
const shownRefusal = (r: { error: unknown } | undefined) => r && { error: String(r.error) };

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const plain = { preserve: false, recursive: true, umask: 0o022 };
const keep = { preserve: true, recursive: true, umask: 0o022 };

async function enter(sink: SinkHandler, name: string, mode: number, times?: ReceivedTimes): Promise<void> {
  const refused = await sink.enterDirectory({ type: 'D', mode, name }, times, 0);
  if (refused) throw new Error(String(refused.error));
}

describe('directories', () => {
  it('creates nested directories under a target directory', async () => {
    const sink = await createLocalSink(dir, plain);
    await enter(sink, 'd', 0o750);
    await receive(sink, { name: 'a', mode: 0o644, data: 'A' });
    await enter(sink, 'sub', 0o755);
    await receive(sink, { name: 'b', mode: 0o600, data: 'B' });
    await sink.leaveDirectory(2);
    await enter(sink, 'empty', 0o700);
    await sink.leaveDirectory(2);
    await sink.leaveDirectory(1);
    expect(await readFile(join(dir, 'd/sub/b'), 'utf8')).toBe('B');
    expect(await readdir(join(dir, 'd'))).toEqual(['a', 'empty', 'sub']);
    expect([await modeOf(join(dir, 'd')), await modeOf(join(dir, 'd/sub')), await modeOf(join(dir, 'd/empty'))]).toEqual([
      '0750',
      '0755',
      '0700',
    ]);
  });

  it('fills a read-only tree (D0555) and then makes it read-only', async () => {
    const sink = await createLocalSink(dir, plain);
    await enter(sink, 'ro', 0o555);
    expect(await modeOf(join(dir, 'ro'))).toBe('0755'); // u+rwx while it is filled
    expect(await receive(sink, { name: 'f', mode: 0o444, data: 'x' })).toEqual({});
    await sink.leaveDirectory(1);
    expect(await modeOf(join(dir, 'ro'))).toBe('0555');
    expect(await modeOf(join(dir, 'ro/f'))).toBe('0444');
  });

  it('creates a missing target itself for the top-level directory (the name is ignored)', async () => {
    const sink = await createLocalSink(join(dir, 'copy'), plain);
    await enter(sink, 'original', 0o755);
    await receive(sink, { name: 'f', mode: 0o644, data: 'x' });
    await sink.leaveDirectory(1);
    expect(await readFile(join(dir, 'copy/f'), 'utf8')).toBe('x');
  });

  it('uses an existing directory: chmod only with -p', async () => {
    await mkdir(join(dir, 'd'), { mode: 0o700 });
    let sink = await createLocalSink(dir, plain);
    await enter(sink, 'd', 0o755);
    await sink.leaveDirectory(1);
    expect(await modeOf(join(dir, 'd'))).toBe('0700');
    sink = await createLocalSink(dir, keep);
    await enter(sink, 'd', 0o751);
    await sink.leaveDirectory(1);
    expect(await modeOf(join(dir, 'd'))).toBe('0751');
  });

  it('refuses a directory over an existing non-directory', async () => {
    await writeFile(join(dir, 'f'), 'keep');
    const sink = await createLocalSink(dir, plain);
    expect(shownRefusal(await sink.enterDirectory({ type: 'D', mode: 0o755, name: 'f' }, undefined, 0))).toEqual({ error: `${dir}/f: Not a directory` });
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('keep');
  });

  it('refuses a directory whose parent is missing', async () => {
    const sink = await createLocalSink(join(dir, 'no/such'), plain);
    expect(shownRefusal(await sink.enterDirectory({ type: 'D', mode: 0o755, name: 'x' }, undefined, 0))).toEqual({
      error: `${dir}/no/such: No such file or directory`,
    });
  });

  it('clears setgid/sticky without -p and keeps them with -p', async () => {
    let sink = await createLocalSink(dir, plain);
    await enter(sink, 'a', 0o3775);
    await sink.leaveDirectory(1);
    sink = await createLocalSink(dir, keep);
    await enter(sink, 'b', 0o2750);
    await sink.leaveDirectory(1);
    expect([await modeOf(join(dir, 'a')), await modeOf(join(dir, 'b'))]).toEqual(['0755', '2750']);
  });

  it('applies times after E, so filling the directory does not undo them', async () => {
    const times = { mtime: 1_234_567_890n, mtimeUsec: 500000, atime: 1_234_567_000n, atimeUsec: 42 };
    const sink = await createLocalSink(dir, keep);
    await enter(sink, 'd', 0o755, times);
    await receive(sink, { name: 'f', mode: 0o644, data: 'x' });
    await sink.leaveDirectory(1);
    const st = await stat(join(dir, 'd'), { bigint: true });
    expect(st.mtimeNs / 1000n).toBe(1_234_567_890_500_000n);
    expect(st.atimeNs / 1000n).toBe(1_234_567_000_000_042n);
  });

  it('refuses D without -r', async () => {
    const sink = await createLocalSink(dir, { ...plain, recursive: false });
    expect(shownRefusal(await sink.enterDirectory({ type: 'D', mode: 0o755, name: 'd' }, undefined, 0))).toEqual({
      error: `${dir}/d: received directory without -r`,
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
