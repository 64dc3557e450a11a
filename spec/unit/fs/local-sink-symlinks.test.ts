// The local sink writes only under its target (DESIGN.md "Safety rules"):
// symlinks below the target are never followed, for C or for D, even when
// the peer names them. The target itself may be a symlink: the user chose it.
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalSink } from '../../../lib/fs/local-sink';
import { receive, tempDir } from './helpers';

// A refusal as the user is shown it (the sink also keeps its unescaped form for the peer).
const shownRefusal = (r: { error: unknown } | undefined) => r && { error: String(r.error) };

let dir: string;
let cleanup: () => Promise<void>;
let target: string;
let outside: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  target = join(dir, 'target');
  outside = join(dir, 'outside');
  await mkdir(target);
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'untouched', { mode: 0o600 });
});
afterEach(() => cleanup());

const opts = { preserve: true, recursive: true, umask: 0o022 };

describe('symlinks below the target', () => {
  it('refuses C over a symlink to an outside file and leaves both alone', async () => {
    await symlink(join(outside, 'secret'), join(target, 'x'));
    const sink = await createLocalSink(target, opts);
    expect(await receive(sink, { name: 'x', mode: 0o4777, data: 'evil' })).toEqual({
      refused: `${target}/x: is a symbolic link (not followed)`,
    });
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('untouched');
    expect((await lstat(join(outside, 'secret'))).mode & 0o7777).toBe(0o600);
    expect(await readlink(join(target, 'x'))).toBe(join(outside, 'secret'));
  });

  it('refuses C over a dangling symlink (nothing is created where it points)', async () => {
    await symlink(join(outside, 'new'), join(target, 'x'));
    const sink = await createLocalSink(target, opts);
    expect((await receive(sink, { name: 'x', mode: 0o644, data: 'evil' })).refused).toMatch(/symbolic link/);
    expect(await readdir(outside)).toEqual(['secret']);
  });

  it('refuses D over a symlink to an outside directory; nothing is written there', async () => {
    await symlink(outside, join(target, 'sub'));
    const sink = await createLocalSink(target, opts);
    expect(shownRefusal(await sink.enterDirectory({ type: 'D', mode: 0o777, name: 'sub' }, undefined, 0))).toEqual({
      error: `${target}/sub: not a directory (symbolic link)`,
    });
    // The source skips the subtree; a following C lands in the target, not outside.
    expect(await receive(sink, { name: 'secret', mode: 0o644, data: 'evil' })).toEqual({});
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('untouched');
    expect((await lstat(outside)).mode & 0o7777).toBe(0o755);
    expect(await readdir(outside)).toEqual(['secret']);
  });

  it('refuses a symlink met deeper in a received tree', async () => {
    await mkdir(join(target, 'a'));
    await symlink(outside, join(target, 'a', 'b'));
    const sink = await createLocalSink(target, opts);
    expect(await sink.enterDirectory({ type: 'D', mode: 0o755, name: 'a' }, undefined, 0)).toBeUndefined();
    expect(shownRefusal(await sink.enterDirectory({ type: 'D', mode: 0o755, name: 'b' }, undefined, 1))).toEqual({
      error: `${target}/a/b: not a directory (symbolic link)`,
    });
    await sink.leaveDirectory(1);
    expect(await readdir(outside)).toEqual(['secret']);
  });
});

describe('a symlink the user gave as the target', () => {
  it('is followed when it points to a directory', async () => {
    await symlink(outside, join(dir, 'link'));
    const sink = await createLocalSink(join(dir, 'link'), opts);
    expect(await receive(sink, { name: 'f', mode: 0o644, data: 'x' })).toEqual({});
    expect(await readFile(join(outside, 'f'), 'utf8')).toBe('x');
  });

  it('is written through when it points to a file (the link stays a link)', async () => {
    await symlink(join(outside, 'secret'), join(dir, 'link'));
    const sink = await createLocalSink(join(dir, 'link'), opts);
    expect(await receive(sink, { name: 'whatever', mode: 0o640, data: 'replaced' })).toEqual({});
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('replaced');
    expect((await lstat(join(dir, 'link'))).isSymbolicLink()).toBe(true);
  });

  it('creates the file it points to when it dangles, as open() would', async () => {
    await symlink('outside/new', join(dir, 'link'));
    const sink = await createLocalSink(join(dir, 'link'), opts);
    expect(await receive(sink, { name: 'whatever', mode: 0o644, data: 'made' })).toEqual({});
    expect(await readFile(join(outside, 'new'), 'utf8')).toBe('made');
  });
});
