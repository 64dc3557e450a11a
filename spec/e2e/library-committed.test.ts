// onCommitted: the library tells its caller once the commit point passed
// (docs/library.md), so a program (the CLI) knows that an abort from then on
// leaves the data stored. Told once, with the file there whole; after the
// read-back with verify; never for a call that stores nothing. getTo: once
// the output file is renamed into place, or a stream has every byte.
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getTo, put, upload, isScpipeError } from '../../lib';
import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { heldReplies } from '../helpers/held-reply';
import { dropConnections } from '../helpers/drop-connections';

const sshd = sshdPerSuite();
const target = () => connectOptions(sshd, sshd.user);
const data = randomBytes(200 * 1024);

// An onCommitted that records what was on disk when it was told.
function recorder(path: string): { onCommitted: () => void; seen: Promise<Buffer | undefined>[] } {
  const seen: Promise<Buffer | undefined>[] = [];
  return { onCommitted: () => seen.push(readFile(path).catch(() => undefined)), seen };
}

describe.each(['scp', 'sftp'] as const)('over %s', (protocol) => {
  it('put: told once, with the file stored whole', async () => {
    const dir = await userDir(sshd.user, `committed-${protocol}`);
    const r = recorder(join(dir, 'f'));
    await put(target(), `${dir}/f`, data, { protocol, onCommitted: r.onCommitted });
    expect(r.seen).toHaveLength(1);
    expect((await r.seen[0])?.equals(data)).toBe(true);
  });

  it('put with verify: told after the read-back', async () => {
    const dir = await userDir(sshd.user, `committed-verify-${protocol}`);
    const phases: string[] = [];
    await put(target(), `${dir}/f`, data, { protocol, verify: true, onProgress: (p) => phases.push(p.phase), onCommitted: () => phases.push('committed') });
    expect(phases.filter((p) => p === 'committed')).toHaveLength(1);
    expect(phases.lastIndexOf('verify')).toBeLessThan(phases.indexOf('committed'));
  });

  it('a parts set: told once, when its manifest is stored', async () => {
    const dir = await userDir(sshd.user, `committed-parts-${protocol}`);
    const r = recorder(join(dir, 'f.sha256'));
    await put(target(), `${dir}/f`, data, { protocol, partSize: 64 * 1024, onCommitted: r.onCommitted });
    expect(r.seen).toHaveLength(1);
    expect((await r.seen[0])?.toString()).toMatch(/# end\n$/);
  });

  it('upload: told once, with every file stored', async () => {
    const src = await userDir(sshd.user, `committed-src-${protocol}`);
    const dir = await userDir(sshd.user, `committed-cp-${protocol}`);
    await writeFile(join(src, 'a'), data);
    await writeFile(join(src, 'b'), data);
    const r = recorder(join(dir, 'b'));
    await upload(target(), [join(src, 'a'), join(src, 'b')], `${dir}/`, { protocol, onCommitted: r.onCommitted });
    expect(r.seen).toHaveLength(1);
    expect((await r.seen[0])?.equals(data)).toBe(true);
  });

  it('never told when nothing is stored', async () => {
    const dir = await userDir(sshd.user, `committed-refused-${protocol}`);
    await writeFile(join(dir, 'f'), 'kept');
    let told = 0;
    const err = await put(target(), `${dir}/f`, data, { protocol, noClobber: true, onCommitted: () => told++ }).catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_EXISTS')).toBe(true);
    expect(told).toBe(0);
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('getTo a file: told once, with the file renamed into place whole', async () => {
    const dir = await userDir(sshd.user, `committed-get-${protocol}`);
    await writeFile(join(dir, 'f'), data);
    const r = recorder(join(dir, 'out'));
    await getTo(target(), `${dir}/f`, join(dir, 'out'), { protocol, onCommitted: r.onCommitted });
    expect(r.seen).toHaveLength(1);
    expect((await r.seen[0])?.equals(data)).toBe(true);
  });

  it('getTo a stream: told once, after its last byte', async () => {
    const dir = await userDir(sshd.user, `committed-get-stream-${protocol}`);
    await writeFile(join(dir, 'f'), data);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    let had = -1;
    await getTo(target(), `${dir}/f`, out, { protocol, onCommitted: () => (had = Buffer.concat(chunks).length) });
    expect(had).toBe(data.length);
  });

  it('getTo with a sum that differs: never told, the output file as it was', async () => {
    const dir = await userDir(sshd.user, `committed-get-differs-${protocol}`);
    await writeFile(join(dir, 'f'), data);
    await writeFile(join(dir, 'out'), 'the last restore');
    let told = 0;
    const other = createHash('sha256').update('another').digest('hex');
    const err = await getTo(target(), `${dir}/f`, join(dir, 'out'), { protocol, expectSha256: other, onCommitted: () => told++ }).catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_CHECKSUM')).toBe(true);
    const errStream = await getTo(target(), `${dir}/f`, new PassThrough().resume(), { protocol, expectSha256: other, onCommitted: () => told++ }).catch((e: unknown) => e);
    expect(isScpipeError(errStream, 'ERR_CHECKSUM')).toBe(true);
    expect(told).toBe(0);
    expect(await readFile(join(dir, 'out'), 'utf8')).toBe('the last restore');
  });
});

// A connection lost after the last file's ack, while the exit status is
// awaited, is retried: the file is sent again. The commit point passed at
// the first ack all the same, and is told once: putMany's caller counts
// its targets by it.
describe('over SCP, a connection lost after the commit point', () => {
  const relay = heldReplies();
  afterAll(() => relay.remove());
  afterEach(() => relay.release());

  const lostAtExit = async <T>(call: (onCommitted: () => void) => Promise<T>): Promise<{ result: T; told: number }> => {
    let told = 0;
    await relay.hold('exit');
    const running = call(() => told++);
    await relay.held();
    await dropConnections(sshd);
    await relay.release(); // the retry's exit goes out
    return { result: await running, told };
  };

  it('put: told once, though the retry confirmed the file again', async () => {
    const dir = await userDir(sshd.user, 'committed-lost');
    const { told } = await lostAtExit((onCommitted) => put(target(), `${dir}/f`, data, { protocol: 'scp', scpPath: relay.path, retries: 1, backoffMs: [0], onCommitted }));
    expect(told).toBe(1);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  });

  it('upload: told once, though the retry came after every file was confirmed', async () => {
    const src = await userDir(sshd.user, 'committed-lost-src');
    const dir = await userDir(sshd.user, 'committed-lost-cp');
    await writeFile(join(src, 'a'), data);
    const { told } = await lostAtExit((onCommitted) => upload(target(), [join(src, 'a')], `${dir}/`, { protocol: 'scp', scpPath: relay.path, retries: 1, backoffMs: [0], onCommitted }));
    expect(told).toBe(1);
    expect((await readFile(join(dir, 'a'))).equals(data)).toBe(true);
  });
});
