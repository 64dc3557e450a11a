// `cp --checksum-file`: the SHA-256 of every file copied, taken in the same
// pass, one sha256sum line per file named by its local path. Against real
// sshd, over SCP (the rssh-like account, -O) and SFTP (the internal-sftp
// jail), both ways; `sha256sum -c` checks the lines beside the local files
// and beside the stored copy. Each test says what the user sees and what is
// left on both sides.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-cpsums-');
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const run = promisify(execFile);

// sha256sum -c FILE in `dir`: its output, or the failure's.
async function sha256sumCheck(file: string, dir: string): Promise<string> {
  const { stdout } = await run('sha256sum', ['-c', file], { cwd: dir });
  return stdout;
}

// A tree with an empty file, a subdirectory, a space and a backslash in names.
async function makeTree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ['a.txt', Buffer.from('alpha\n')],
    ['empty', Buffer.alloc(0)],
    ['sub/big.bin', randomBytes(1024 * 1024 + 3)],
    ['sub/x y\\z', Buffer.from('odd name')],
  ]);
  await mkdir(join(root, 'sub'), { recursive: true });
  for (const [name, data] of files) await writeFile(join(root, name), data);
  return files;
}

// The lines expected for `files` under `prefix`, in any order.
function linesFor(prefix: string, files: Map<string, Buffer>): string[] {
  return [...files].map(([name, data]) => (name.includes('\\') ? `\\${sha(data)}  ${prefix}/${name.replace(/\\/g, '\\\\')}` : `${sha(data)}  ${prefix}/${name}`)).sort();
}

const sortedLines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').sort();

describe.each([
  ['SCP, the scp-only account', () => sshd.rssh, ['-O']],
  ['SFTP, the sftp-only jail', () => sshd.sftp, []],
] as const)('cp --checksum-file over %s', (_, account: () => TestAccount, extra: readonly string[]) => {
  let dir: string; // the remote directory, on this machine
  let rdir: string; // as the account sees it
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp']);
    dir = await userDir(account(), 'cpsums');
    rdir = remotePath(account(), dir);
  });
  const cp = (args: string[], cwd?: string): ReturnType<typeof runCli> => runCli(['cp', ...sshFlags(sshd, account()), '-q', ...extra, ...args], { cwd });

  // User sees: exit 0, nothing on stderr. Left: the tree on the remote, and
  // one line per file, named as the local path given, that sha256sum -c
  // checks both here and in the remote directory.
  it('an upload of a tree: a line per file, by its local path; sha256sum -c passes here and beside the stored copy', async () => {
    const files = await makeTree(join(local(), 'photos'));
    const sums = join(local(), 'photos.sha256');
    const r = await cp(['-r', '--checksum-file', sums, 'photos', remote(sshd, account(), `${rdir}/`)], local());
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await sortedLines(sums)).toEqual(linesFor('photos', files));
    expect(await sha256sumCheck(sums, local())).toMatch(/photos\/sub\/big.bin: OK/);
    expect(await sha256sumCheck(sums, dir)).toMatch(/photos\/a.txt: OK/);
  });

  // User sees: exit 0. Left: the files written here, and their lines, named
  // by the local paths written.
  it('a download of a tree and a file: the local paths written; sha256sum -c passes', async () => {
    const files = await makeTree(join(dir, 'photos'));
    await writeFile(join(dir, 'one.bin'), 'one');
    await mkdir(join(local(), 'restore'));
    const sums = join(local(), 'got.sha256');
    const r = await cp(['-r', '--checksum-file', sums, remote(sshd, account(), `${rdir}/photos`), remote(sshd, account(), `${rdir}/one.bin`), 'restore'], local());
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await sortedLines(sums)).toEqual([...linesFor('restore/photos', files), `${sha('one')}  restore/one.bin`].sort());
    expect(await sha256sumCheck(sums, local())).toMatch(/restore\/one.bin: OK/);
  });

  // User sees: "missing: No such file or directory", exit 1. Left: the
  // other file copied, and listed.
  it('a source that is missing: the others are copied and listed, exit 1', async () => {
    await writeFile(join(local(), 'ok'), 'fine');
    const sums = join(local(), 'sums');
    const r = await cp(['--checksum-file', sums, 'ok', 'missing', remote(sshd, account(), `${rdir}/`)], local());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing: No such file or directory\n$/);
    expect(await readFile(sums, 'utf8')).toBe(`${sha('fine')}  ok\n`);
    expect(await readdir(dir)).toEqual(['ok']);
  });

  // A nightly `cp --checksum-file sums` that failed before storing a file
  // emptied the sums of the last good run. User sees: the error, exit 1 or
  // 255. Left: the sums file as it was, nothing copied.
  it('a copy that stores nothing leaves an existing sums file as it was', async () => {
    const sums = join(local(), 'sums');
    await writeFile(sums, `${sha('last run')}  last\n`);
    const missing = await cp(['-r', '--checksum-file', sums, remote(sshd, account(), `${rdir}/missing`), `${local()}/`]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/missing: .*No such file\b/);
    await writeFile(join(local(), 'f'), 'x');
    const denied = await runCli(['cp', ...sshFlags(sshd, account(), [], sshd.wrongKeyPath), '-q', ...extra, '--checksum-file', sums, join(local(), 'f'), remote(sshd, account(), `${rdir}/`)]);
    expect(denied.status).toBe(255);
    expect(await readFile(sums, 'utf8')).toBe(`${sha('last run')}  last\n`);
    expect(await readdir(dir)).toEqual([]);
    expect((await readdir(local())).sort()).toEqual(['f', 'sums']);
  });
});

describe('cp --checksum-file, before anything is copied', () => {
  // User sees: "--checksum-file …: No such file or directory", exit 1, at
  // once. Left: nothing copied (the host is never reached: 192.0.2.1 is
  // TEST-NET and would hang).
  it('a missing directory for the file fails before connecting', async () => {
    await writeFile(join(local(), 'f'), 'x');
    const sums = join(local(), 'nodir', 'sums');
    const r = await runCli(['cp', '--checksum-file', sums, join(local(), 'f'), 'nobody@192.0.2.1:'], { timeoutMs: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: --checksum-file ${sums}: ${join(local(), 'nodir')}: No such file or directory\n`);
  });

  it('--checksum-file - with --json is exit 2', async () => {
    const r = await runCli(['cp', '--json', '--checksum-file', '-', 'f', 'nobody@192.0.2.1:'], { timeoutMs: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--checksum-file - and --json would both write to stdout');
  });
});
