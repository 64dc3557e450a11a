// The source role against OpenSSH's own `scp -t`, over plain pipes (no SSH):
// docs/protocol.md §4.1 and §4.3 as the real sink implements them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScpSource } from '../../lib/protocol/source';
import { spawnChannel } from '../../lib/transport/child-channel';
import { chunksOf } from '../helpers/fake-channel';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sink(...args: string[]): ScpSource {
  return new ScpSource(spawnChannel('scp', args));
}

describe('source role vs OpenSSH scp -t', () => {
  it('uploads into a target directory under the announced name', async () => {
    const s = sink('-t', dir);
    await s.start();
    expect(await s.sendFile({ name: "it's a file.txt", mode: 0o640, size: 5n, body: chunksOf('hel', 'lo') })).toBe(true);
    await expect(s.finish()).resolves.toEqual({ code: 0, signal: null });
    expect(await readFile(join(dir, "it's a file.txt"), 'utf8')).toBe('hello');
  });

  it('writes to the target itself when it is not a directory (the name is ignored)', async () => {
    const target = join(dir, 'renamed.bin');
    const s = sink('-t', target);
    await s.start();
    await s.sendFile({ name: 'other', mode: 0o644, size: 3n, body: chunksOf('abc') });
    await s.finish();
    expect(await readdir(dir)).toEqual(['renamed.bin']);
  });

  it('overwrites and truncates an existing longer file', async () => {
    const target = join(dir, 'f');
    await writeFile(target, 'a much longer old content');
    const s = sink('-t', target);
    await s.start();
    await s.sendFile({ name: 'f', mode: 0o644, size: 3n, body: chunksOf('new') });
    await s.finish();
    expect(await readFile(target, 'utf8')).toBe('new');
  });

  it('moves 32 MiB byte-exact in odd-sized chunks, and an empty file', async () => {
    const data = randomBytes(32 * 1024 * 1024);
    async function* odd() {
      for (let i = 0; i < data.length; i += 77777) yield data.subarray(i, i + 77777);
    }
    const s = sink('-t', dir);
    await s.start();
    await s.sendFile({ name: 'big', mode: 0o600, size: BigInt(data.length), body: odd() });
    await s.sendFile({ name: 'empty', mode: 0o600, size: 0n, body: chunksOf() });
    await s.finish();
    const got = await readFile(join(dir, 'big'));
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await stat(join(dir, 'empty'))).size).toBe(0);
  });

  it('applies -p mode and times', async () => {
    const s = sink('-p', '-t', dir);
    await s.start();
    await s.sendFile({ name: 'p', mode: 0o4751, size: 1n, body: chunksOf('x'), times: { mtime: 1000000000n, atime: 1100000000n } });
    await s.finish();
    const st = await stat(join(dir, 'p'));
    expect(st.mode & 0o7777).toBe(0o4751);
    expect(st.mtimeMs).toBe(1000000000000);
    expect(st.atimeMs).toBe(1100000000000);
  });

  it('reports a missing directory with the remote message and exit status 1', async () => {
    const s = sink('-t', join(dir, 'missing', 'f'));
    await s.start();
    expect(await s.sendFile({ name: 'f', mode: 0o644, size: 3n, body: chunksOf('abc') })).toBe(false);
    await expect(s.finish()).rejects.toMatchObject({
      code: 'ERR_NO_SUCH_FILE', // as SFTP's status: the same code whichever protocol ran
      message: `remote: scp: ${dir}/missing/f: No such file or directory`,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a remote write error (/dev/full) after the data', async () => {
    const s = sink('-t', '/dev/full');
    await s.start();
    expect(await s.sendFile({ name: 'f', mode: 0o644, size: 100000n, body: chunksOf(Buffer.alloc(100000)) })).toBe(false);
    await expect(s.finish()).rejects.toMatchObject({
      code: 'ERR_NO_SPACE',
      message: 'remote: scp: /dev/full: No space left on device; the remote file f is left cut short, holding what fit, and its space: remove it, or store an empty file over it',
      cutShort: { name: 'f', written: 100000n, size: 100000n },
    });
  });

  it('fails at start when -d names something that is not a directory', async () => {
    await writeFile(join(dir, 'file'), '');
    const s = sink('-d', '-t', join(dir, 'file'));
    await expect(s.start()).rejects.toMatchObject({ code: 'ERR_REMOTE', message: `remote: scp: ${dir}/file: Not a directory` });
  });

  it('leaves a zero-padded file and exit status 1 when the input is short', async () => {
    const s = sink('-t', dir);
    await s.start();
    expect(await s.sendFile({ name: 'short', mode: 0o644, size: 6n, body: chunksOf('abc') })).toBe(false);
    await expect(s.finish()).rejects.toMatchObject({ code: 'ERR_SIZE_MISMATCH' });
    expect(await readFile(join(dir, 'short'))).toEqual(Buffer.from('abc\0\0\0'));
  });

  it('does not hang when the sink exits with an error status after a good transfer', async () => {
    const s = new ScpSource(spawnChannel('sh', ['-c', `scp -t '${dir}'; exit 3`]));
    await s.start();
    await s.sendFile({ name: 'f', mode: 0o644, size: 1n, body: chunksOf('x') });
    await expect(s.finish()).rejects.toMatchObject({ code: 'ERR_REMOTE_EXIT', exitCode: 3 });
  });
});
