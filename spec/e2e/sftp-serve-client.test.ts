// scpipe's own client against `scpipe serve`, over SFTP: each side is the
// other's real peer. put and get of a stream, and cp -r -p of trees both
// ways, byte-exact with modes and times; the jail holds for the client too
// (a link inside the root that points out is not copied through).
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { chunks, runCli } from '../helpers/cli';
import { emptyRoot, startServe, type TestServe } from '../helpers/serve';
import { waitFor } from '../helpers/async';

let serve: TestServe;
let local: string;

beforeAll(async () => {
  serve = await startServe();
});
afterAll(async () => {
  await serve?.stop();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-servecp-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
  await emptyRoot(serve);
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const at = (path: string): string => `backup@127.0.0.1:${path}`;
const TIME = 1_400_000_000;

async function tree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map([
    ['top.txt', Buffer.from('top')],
    ['d/mid.bin', randomBytes(1_000_003)],
    ['d/e/leaf', Buffer.alloc(0)],
  ]);
  await mkdir(join(root, 'd', 'e'), { recursive: true });
  for (const [name, data] of files) await writeFile(join(root, name), data);
  await chmod(join(root, 'top.txt'), 0o604);
  await chmod(join(root, 'd'), 0o711);
  for (const p of ['top.txt', 'd/mid.bin', 'd/e/leaf', 'd/e', 'd', '.']) await utimes(join(root, p), TIME, TIME);
  return files;
}

async function expectSame(root: string, files: Map<string, Buffer>): Promise<void> {
  for (const [name, data] of files) expect(sha(await readFile(join(root, name)))).toBe(sha(data));
  expect((await stat(join(root, 'top.txt'))).mode & 0o777).toBe(0o604);
  expect((await stat(join(root, 'd'))).mode & 0o777).toBe(0o711);
  for (const p of ['top.txt', 'd/mid.bin', 'd', 'd/e', '.']) expect(Math.floor((await stat(join(root, p))).mtimeMs / 1000)).toBe(TIME);
}

describe('scpipe client against scpipe serve over SFTP', () => {
  it('put streams in and get streams out, byte-exact, over SFTP', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 11);
    const up = await runCli(['put', ...serve.scpipeArgs(), '-v', at('/stream.bin')], { stdin: Readable.from(chunks(data, 65536)) });
    expect(up.status).toBe(0);
    expect(up.stderr).toContain('protocol: sftp (the sftp subsystem opened)');
    expect(sha(await readFile(join(serve.root, 'stream.bin')))).toBe(sha(data));
    expect(await readdir(serve.root)).toEqual(['stream.bin']);
    const down = await runCli(['get', ...serve.scpipeArgs(), '-v', at('/stream.bin')]);
    expect(down.status).toBe(0);
    expect(down.stderr).toContain('over sftp');
    expect(sha(down.stdout)).toBe(sha(data));
  });

  // A file of one read, fetched with --parallel 3: the two channels that
  // read nothing opened it too, and serve's log showed three downloads, two
  // of them "0 bytes ok".
  it('get of a small file over several channels: one download in the server log', async () => {
    await writeFile(join(serve.root, 'small.bin'), 'abc');
    const down = await runCli(['get', ...serve.scpipeArgs(), '--parallel', '3', at('/small.bin')]);
    expect(down.status).toBe(0);
    expect(down.stdout.toString()).toBe('abc');
    await waitFor(() => serve.log().includes('download /small.bin 3 bytes ok'), 'the download in the log');
    const lines = serve.log().split('\n').filter((l) => l.includes('download /small.bin'));
    expect(lines).toEqual([expect.stringMatching(/sftp download \/small\.bin 3 bytes ok$/)]);
  });

  // The integrity options against scpipe's own server, over both protocols.
  it.each([['SFTP', []], ['SCP (-O)', ['-O']]])('over %s: put --verify --no-clobber --checksum-file, then get --check', async (_how, extra) => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const sums = join(local, 'v.sha256');
    const put = ['put', ...serve.scpipeArgs(), ...extra, '--verify', '--no-clobber', '--checksum-file', sums, '-v', at('/v.bin')];
    const first = await runCli(put, { stdin: data });
    expect(first.stderr).toMatch(/scpipe: verify: read back \S+ in \d+\.\d\d s: SHA-256 as sent\n/);
    expect(first.status).toBe(0);
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  v.bin\n`);
    const again = await runCli(put, { stdin: 'other' });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('scpipe: /v.bin: the remote file exists, and --no-clobber leaves it as it is\n');
    expect((await readFile(join(serve.root, 'v.bin'))).equals(data)).toBe(true);
    const got = await runCli(['get', ...serve.scpipeArgs(), ...extra, '--check', sums, at('/v.bin')]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.equals(data)).toBe(true);
  });

  it('cp -r -p copies a tree up and back down, contents, modes and times', async () => {
    const files = await tree(join(local, 'src'));
    const up = await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', '-p', '-v', join(local, 'src'), at('/up')]);
    expect(up.status).toBe(0);
    expect(up.stderr).toContain('protocol: sftp');
    await expectSame(join(serve.root, 'up'), files);
    expect(await readdir(serve.root)).toEqual(['up']);
    const down = await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', '-p', at('/up'), join(local, 'back')]);
    expect(down).toMatchObject({ status: 0, stderr: '' });
    await expectSame(join(local, 'back'), files);
    expect((await readdir(local)).sort()).toEqual(['back', 'src']);
  });

  // Restoring a whole jail: its root has no name to copy by. It was refused
  // (exit 2). User sees nothing; left: the root's entries in the target,
  // made when missing and merged into when there, as `scp -r host:/ DIR`.
  it.each(['/', '.', '/.'])('cp -r host:%s DIR copies the root\'s entries into DIR', async (root) => {
    const files = await tree(join(serve.root, 'src'));
    await writeFile(join(serve.root, 'top'), 'top');
    const down = await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', '-p', at(root), join(local, 'all')]);
    expect(down).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(join(local, 'all'))).sort()).toEqual(['src', 'top']);
    await expectSame(join(local, 'all', 'src'), files);
    await writeFile(join(serve.root, 'later'), 'later');
    expect(await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', at(root), join(local, 'all')])).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(join(local, 'all'))).sort()).toEqual(['later', 'src', 'top']);
    // Without -r, as a file, it is still refused.
    expect(await runCli(['cp', ...serve.scpipeArgs(), '-q', at(root), join(local, 'f')])).toMatchObject({ status: 2 });
  });

  // Over SFTP the client decides the mode it asks for: without -p that must
  // not be setuid, setgid or sticky (README: OpenSSH's rules), also for a
  // file replaced in place of a setuid one. With -p it asks for them, and
  // serve (here as root) keeps the sticky bit but never makes a set-id file.
  it('cp without -p clears setuid, setgid and sticky on files and directories; -p asks for them', async () => {
    await mkdir(join(local, 'src', 'shared'), { recursive: true });
    await writeFile(join(local, 'src', 'tool'), 'binary');
    await chmod(join(local, 'src', 'tool'), 0o4755);
    await chmod(join(local, 'src', 'shared'), 0o3775);
    await mkdir(join(serve.root, 'old'));
    await writeFile(join(serve.root, 'old', 'tool'), 'old');
    await chmod(join(serve.root, 'old', 'tool'), 0o6750);
    const mode = async (p: string): Promise<number> => (await stat(join(serve.root, p))).mode & 0o7777;
    expect((await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', join(local, 'src'), at('/plain')])).status).toBe(0);
    expect(await mode('plain/tool')).toBe(0o755);
    expect(await mode('plain/shared')).toBe(0o775);
    expect((await runCli(['cp', ...serve.scpipeArgs(), '-q', join(local, 'src', 'tool'), at('/old/tool')])).status).toBe(0);
    expect(await mode('old/tool')).toBe(0o750);
    expect((await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', '-p', join(local, 'src'), at('/kept')])).status).toBe(0);
    expect(await mode('kept/tool')).toBe(0o755);
    expect(await mode('kept/shared')).toBe(0o1775);
  });

  it('a link inside the root that points out is not copied through; the rest arrives', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'scpipe-test-outside-'));
    try {
      await writeFile(join(outside, 'secret'), 'do not read');
      await mkdir(join(serve.root, 't'));
      await writeFile(join(serve.root, 't', 'ok'), 'ok');
      await symlink(join(outside, 'secret'), join(serve.root, 't', 'out'));
      const r = await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', at('/t'), join(local, 'got')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\/t\/out: /);
      expect(await readdir(join(local, 'got'))).toEqual(['ok']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('--read-only serve: a cp upload fails, said of the target, and leaves nothing', async () => {
    const ro = await startServe(['--read-only']);
    try {
      await writeFile(join(local, 'f'), 'x');
      const r = await runCli(['cp', ...ro.scpipeArgs(), '-q', join(local, 'f'), at('/f')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('scpipe: /f: open: read-only server\n');
      expect(await readdir(ro.root)).toEqual([]);
    } finally {
      await ro.stop();
    }
  });
});
