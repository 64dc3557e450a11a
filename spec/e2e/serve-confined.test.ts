// `scpipe serve` keeps its clients inside the root, against OpenSSH's scp -O
// and scpipe: ../ paths, absolute paths and symbolic links that lead out, a
// path that is not UTF-8; and with / as the root, host paths said as they are.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, shellQuote } from '../helpers/cli';
import { servePerSuite, startServe } from '../helpers/serve';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';
import { runProgram, type ProgramRun } from '../helpers/run-program';

const serve = servePerSuite();
let local: string;
let outside: string; // must never be read or written through the server

const localDir = tempDirPerTest('scpipe-test-servelocal-');
const outsideDir = outsideDirPerTest();
beforeEach(() => {
  [local, outside] = [localDir(), outsideDir()];
});

const run = runProgram;
const scp = (...args: string[]): Promise<ProgramRun> => run('scp', ['-O', '-q', ...serve.sshArgs(), ...args]);

describe('serve with / as the root', () => {
  it('shows host paths in messages as they are', async () => {
    const all = await startServe(['--root', '/']);
    try {
      await writeFile(join(local, 'f'), 'x');
      const r = await run('scp', ['-O', '-q', ...all.sshArgs(), join(local, 'f'), `127.0.0.1:${local}/nope/f`]);
      expect(r).toMatchObject({ status: 1, stderr: `scp: ${local}/nope/f: No such file or directory\n` });
      expect(await run('scp', ['-O', '-q', ...all.sshArgs(), join(local, 'f'), `127.0.0.1:${local}/g`])).toMatchObject({ status: 0 });
      expect(await readFile(join(local, 'g'), 'utf8')).toBe('x');
      expect(all.log()).toContain(`upload ${local}/nope/f 0 bytes failed: ${local}/nope/f: No such file or directory`);
    } finally {
      await all.stop();
    }
  });
});

describe('serve keeps clients inside the root', () => {
  beforeEach(async () => {
    await symlink(outside, join(serve.root, 'escape')).catch(() => undefined);
    await symlink('/etc', join(serve.root, 'etc-link')).catch(() => undefined);
  });

  it.each([
    ['../ paths', '../../../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['a symlink to /etc', '/etc-link/passwd'],
    ['a symlink to a directory outside', '/escape/secret'],
  ])('refuses to read through %s', async (_what, path) => {
    const r = await scp(`127.0.0.1:${path}`, join(local, 'got'));
    expect(r.status).toBe(1);
    await expect(stat(join(local, 'got'))).rejects.toThrow();
    const s = await runCli(['get', ...serve.scpipeArgs(), `me@127.0.0.1:${path}`]);
    expect(s.status).toBe(1);
    expect(s.stdout.length).toBe(0);
    expect(s.stderr).not.toContain(serve.root); // the real root is never shown
  });

  it('refuses -r through a symlink that leads outside', async () => {
    const r = await scp('-r', '127.0.0.1:/escape', join(local, 'tree'));
    expect(r.status).toBe(1);
    await expect(readFile(join(local, 'tree', 'secret'))).rejects.toThrow();
  });

  it.each([
    ['-t with ../', '../../../evil'],
    ['-t into a symlink to a directory outside', '/escape/evil'],
    ['-t onto a symlink to a file outside', '/escape/secret'],
  ])('keeps uploads inside: %s', async (_what, path) => {
    await writeFile(join(local, 'evil'), 'evil');
    const r = await scp(join(local, 'evil'), `127.0.0.1:${path}`);
    if (path.startsWith('..')) {
      // `..` cannot climb out: the file lands inside the root instead.
      expect(r.status).toBe(0);
      expect(await readFile(join(serve.root, 'evil'), 'utf8')).toBe('evil');
    } else {
      expect(r.status).toBe(1);
    }
  });

  it('writes through a dangling symlink where the kernel would, never outside the root', async () => {
    // sub -> <root>/a/b; `sub/../../x` is <root>/x (the kernel follows sub first), not <root>/../x.
    await mkdir(join(serve.root, 'a', 'b'), { recursive: true });
    await symlink(join(serve.root, 'a', 'b'), join(serve.root, 'sub'));
    await symlink('sub/../../x', join(serve.root, 'L'));
    await symlink('sub/../../../x', join(serve.root, 'L2'));
    await writeFile(join(local, 'f'), 'kernel');
    try {
      expect(await scp(join(local, 'f'), '127.0.0.1:/L')).toMatchObject({ status: 0 });
      expect(await readFile(join(serve.root, 'x'), 'utf8')).toBe('kernel');
      const out = await scp(join(local, 'f'), '127.0.0.1:/L2');
      expect(out).toMatchObject({ status: 1, stderr: 'scp: /L2: Permission denied (symbolic link leads outside the root)\n' });
      await expect(stat(join(serve.root, '..', 'x'))).rejects.toThrow();
    } finally {
      for (const n of ['a', 'sub', 'L', 'L2', 'x']) await rm(join(serve.root, n), { recursive: true, force: true });
    }
  });

  it('--read-only refuses uploads', async () => {
    const ro = await startServe(['--read-only']);
    try {
      await writeFile(join(local, 'f'), 'x');
      const r = await run('scp', ['-O', '-q', ...ro.sshArgs(), join(local, 'f'), '127.0.0.1:/f']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('read-only');
      expect(await readdir(ro.root)).toEqual([]);
    } finally {
      await ro.stop();
    }
  });
});

// ssh2 hands serve the exec command decoded as UTF-8: `scp -O f
// host:lat$'\xe9'` was stored as lat\u{fffd}, and a download of lat$'\xe9'
// sent the file lat\u{fffd}, another file (later both were refused). The
// command's bytes are kept now: the path names the file of those bytes.
describe('serve with OpenSSH scp -O: a path that is not UTF-8', () => {
  const scpRaw = (words: string): { status: number | null; stderr: string } =>
    spawnSync('bash', ['-c', `exec scp -O -q ${shellQuote(serve.sshArgs())} ${words}`], { encoding: 'utf8', timeout: 30000 });

  it('an upload to it is stored under those bytes', async () => {
    await writeFile(join(local, 'f'), 'latin-1');
    const r = scpRaw(`${shellQuote([join(local, 'f')])} "127.0.0.1:/up-lat$(printf '\\351')"`);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(serve.root, { encoding: 'buffer' })).filter((n) => n.toString('latin1').startsWith('up-lat'))).toEqual([Buffer.from('up-lat\xe9', 'latin1')]);
    expect(await readFile(Buffer.from(`${serve.root}/up-lat\xe9`, 'latin1'), 'utf8')).toBe('latin-1');
  });

  it('a download of it sends that file, not the one named with U+FFFD', async () => {
    await writeFile(join(serve.root, 'down-lat\uFFFD'), 'another file');
    await writeFile(Buffer.from(`${serve.root}/down-lat\xe9`, 'latin1'), 'this one');
    const r = scpRaw(`"127.0.0.1:/down-lat$(printf '\\351')" ${shellQuote([join(local, 'got')])}`);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(local, 'got'), 'utf8')).toBe('this one');
  });
});
