import { mkdir, mkdtemp, lstat, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isScpipeError, ScpipeError } from '../../../lib/errors';
import { createLocalSink } from '../../../lib/fs/local-sink';
import { resolveTarget } from '../../../lib/fs/target';
import { Jail } from '../../../lib/server/jail';

// root/                      the jail
//   photos/a.jpg
//   file.txt
//   etc-link     -> /etc                       (outside: refused)
//   out-link     -> <outside>                  (outside: refused)
//   up-link      -> ../..                      (outside: refused)
//   album        -> photos                     (inside: allowed)
//   abs-album    -> <root>/photos              (inside, absolute: allowed)
//   chain        -> album-link2 -> out-link    (outside via a chain: refused)
//   dangling-in  -> photos/new.jpg             (dangling, inside)
//   dangling-out -> <outside>/new.txt          (dangling, outside)
//   dangling-dot -> out-deep/../sneaky.txt     (dangling; the kernel follows out-deep first)
//   out-deep     -> <outside>/inner
//   loop-a <-> loop-b
//   a/b/
//   sub          -> <root>/a/b
//   kernel-in    -> sub/../../x                (dangling; the kernel: root/x, lexically: <root>/../x)
//   kernel-out   -> sub/../../../x             (dangling; the kernel: <root>/../x)
// <outside>/inner/, <outside>/secret.txt
let base: string;
let root: string;
let outside: string;
let jail: Jail;

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'scpipe-test-')));
  root = join(base, 'root');
  outside = join(base, 'outside');
  await mkdir(join(root, 'photos'), { recursive: true });
  await mkdir(join(outside, 'inner'), { recursive: true });
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await writeFile(join(root, 'photos', 'a.jpg'), 'jpg');
  await writeFile(join(root, 'file.txt'), 'x');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  const links: [string, string][] = [
    ['etc-link', '/etc'],
    ['out-link', outside],
    ['up-link', '../..'],
    ['album', 'photos'],
    ['abs-album', join(root, 'photos')],
    ['album-link2', 'out-link'],
    ['chain', 'album-link2'],
    ['dangling-in', 'photos/new.jpg'],
    ['dangling-out', join(outside, 'new.txt')],
    ['dangling-dot', 'out-deep/../sneaky.txt'],
    ['out-deep', join(outside, 'inner')],
    ['loop-a', 'loop-b'],
    ['loop-b', 'loop-a'],
    ['sub', join(root, 'a', 'b')],
    ['kernel-in', 'sub/../../x'],
    ['kernel-out', 'sub/../../../x'],
  ];
  for (const [name, to] of links) await symlink(to, join(root, name));
  jail = await Jail.create(root);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

// The error a promise rejects with, or a failure if it resolves.
async function rejection(p: Promise<unknown>): Promise<ScpipeError> {
  try {
    await p;
  } catch (err) {
    if (isScpipeError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const host = (clientPath: string): string => jail.resolve(clientPath);

describe('Jail.create', () => {
  it('keeps the real path of the root, taken once', async () => {
    await symlink(root, join(base, 'root-alias'));
    const j = await Jail.create(join(base, 'root-alias'));
    expect(j.root).toBe(root);
    expect(j.resolve('x')).toBe(join(root, 'x'));
  });

  it('refuses a missing root or a file', async () => {
    await expect(Jail.create(join(base, 'nope'))).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringMatching(/No such file or directory$/) });
    await expect(Jail.create(join(root, 'file.txt'))).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringMatching(/Not a directory$/) });
  });
});

describe('Jail.resolve (lexical)', () => {
  it.each([
    ['', ''],
    ['.', ''],
    ['/', ''],
    ['./', ''],
    ['..', ''],
    ['a/b', '/a/b'],
    ['/a/b', '/a/b'],
    ['a//b/./', '/a/b'],
    ['../x', '/x'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['a/../../b', '/b'],
    ['photos/../../..', ''],
    ['~', '/~'],
    ['-dash', '/-dash'],
    ['sp ace\\back', '/sp ace\\back'],
  ])('%j → root%s', (clientPath, rel) => {
    expect(jail.resolve(clientPath)).toBe(root + rel);
  });

  it('refuses a NUL', () => {
    expect(() => jail.resolve('a\0b')).toThrow(expect.objectContaining({ code: 'ERR_UNSAFE_NAME', message: 'a\\x00b: bad character in path' }));
  });

  it('works with / as the root', () => {
    const all = new Jail('/');
    expect(all.resolve('../etc')).toBe('/etc');
    expect(all.resolve('')).toBe('/');
    expect(all.display('/etc/passwd')).toBe('/etc/passwd');
  });
});

describe('Jail.display', () => {
  it('shows paths as the client sees them, never the real root', () => {
    expect(jail.display(root)).toBe('/');
    expect(jail.display(host('photos/a.jpg'))).toBe('/photos/a.jpg');
    expect(jail.display(`${root}/`)).toBe('/');
    expect(jail.display('/etc/passwd')).toBe('(outside the root)');
    expect(jail.display(`${root}-sibling/x`)).toBe('(outside the root)');
    expect(jail.display(`${root}/../outside`)).toBe('(outside the root)');
  });
});

describe('Jail.hideRoot (messages and log lines)', () => {
  it('shows the root as / where it begins a path', () => {
    expect(jail.hideRoot(`${root}/photos/x: No such file or directory`)).toBe('/photos/x: No such file or directory');
    expect(jail.hideRoot(`scp: ${root}: Permission denied`)).toBe('scp: /: Permission denied');
    expect(jail.hideRoot(`"${root}/a" and '${root}/b'`)).toBe(`"/a" and '/b'`);
  });

  it('leaves the root alone in the middle of a path or a longer name', () => {
    const inName = `/in${root}/x`; // a client path that contains the root's text
    expect(jail.hideRoot(`${root}${inName}: No such file or directory`)).toBe(`${inName}: No such file or directory`);
    expect(jail.hideRoot(`${root}-old/x ${root}x`)).toBe(`${root}-old/x ${root}x`);
  });

  it('changes nothing with / as the root', () => {
    const all = new Jail('/');
    for (const text of ['scp: /etc/x: No such file or directory', 'backup@127.0.0.1:1234 upload /a b 5 bytes ok', '']) {
      expect(all.hideRoot(text)).toBe(text);
    }
  });

  it('takes the root literally, not as a pattern', () => {
    const odd = new Jail('/srv/a.b(c)+');
    expect(odd.hideRoot('/srv/a.b(c)+/x: Is a directory')).toBe('/x: Is a directory');
    expect(odd.hideRoot('/srv/aXb(c)+/x: Is a directory')).toBe('/srv/aXb(c)+/x: Is a directory');
  });
});

describe('Jail.checkNoEscape', () => {
  it('accepts the root, files and directories inside', async () => {
    for (const p of ['', 'photos', 'photos/a.jpg', '/file.txt']) {
      await expect(jail.checkNoEscape(host(p), { allowMissingLeaf: false })).resolves.toBeUndefined();
    }
  });

  it('accepts a missing leaf only when asked, never a missing parent', async () => {
    await expect(jail.checkNoEscape(host('photos/new.jpg'), { allowMissingLeaf: true })).resolves.toBeUndefined();
    const leaf = await rejection(jail.checkNoEscape(host('photos/new.jpg'), { allowMissingLeaf: false }));
    expect(leaf).toMatchObject({ code: 'ERR_LOCAL_IO', message: '/photos/new.jpg: No such file or directory', path: '/photos/new.jpg' });
    const parent = await rejection(jail.checkNoEscape(host('nope/new.jpg'), { allowMissingLeaf: true }));
    expect(parent).toMatchObject({ code: 'ERR_LOCAL_IO', message: '/nope/new.jpg: No such file or directory' });
  });

  it('reports a file used as a directory', async () => {
    const err = await rejection(jail.checkNoEscape(host('file.txt/x'), { allowMissingLeaf: true }));
    expect(err).toMatchObject({ code: 'ERR_LOCAL_IO', message: '/file.txt/x: Not a directory' });
  });

  it.each([
    ['etc-link', '/etc-link'],
    ['etc-link/passwd', '/etc-link'],
    ['/../../etc-link/passwd', '/etc-link'],
    ['out-link/secret.txt', '/out-link'],
    ['up-link', '/up-link'],
    ['chain', '/chain'],
    ['chain/secret.txt', '/chain'],
    ['album/../etc-link/x', '/etc-link'],
  ])('refuses %j, a symlink that leads outside', async (clientPath, shown) => {
    for (const allowMissingLeaf of [false, true]) {
      const err = await rejection(jail.checkNoEscape(host(clientPath), { allowMissingLeaf }));
      expect(err).toMatchObject({ code: 'ERR_UNSAFE_NAME', message: `${shown}: Permission denied (symbolic link leads outside the root)`, path: shown });
    }
  });

  it('follows symlinks that stay inside, relative or absolute, also as a parent', async () => {
    for (const p of ['album', 'album/a.jpg', 'abs-album/a.jpg']) {
      await expect(jail.checkNoEscape(host(p), { allowMissingLeaf: false })).resolves.toBeUndefined();
    }
    await expect(jail.checkNoEscape(host('album/new.jpg'), { allowMissingLeaf: true })).resolves.toBeUndefined();
    await expect(rejection(jail.checkNoEscape(host('album/new.jpg'), { allowMissingLeaf: false }))).resolves.toMatchObject({
      message: '/album/new.jpg: No such file or directory',
    });
  });

  it('follows a dangling leaf to where open(O_CREAT) would create the file', async () => {
    await expect(jail.checkNoEscape(host('dangling-in'), { allowMissingLeaf: true })).resolves.toBeUndefined();
    for (const name of ['dangling-out', 'dangling-dot']) {
      const err = await rejection(jail.checkNoEscape(host(name), { allowMissingLeaf: true }));
      expect(err).toMatchObject({ code: 'ERR_UNSAFE_NAME', message: `/${name}: Permission denied (symbolic link leads outside the root)` });
    }
    const missing = await rejection(jail.checkNoEscape(host('dangling-in'), { allowMissingLeaf: false }));
    expect(missing).toMatchObject({ code: 'ERR_LOCAL_IO', message: '/dangling-in: No such file or directory' });
  });

  it('agrees with the local sink on where a dangling link writes (`..` after `sub` is followed)', async () => {
    // What the server does for `scp -t /kernel-in`: check, then hand the same path to the sink.
    await expect(jail.checkNoEscape(host('kernel-in'), { allowMissingLeaf: true })).resolves.toBeUndefined();
    await expect(resolveTarget(host('kernel-in'))).resolves.toEqual({ path: join(root, 'x'), isDirectory: false });
    const sink = await createLocalSink(host('kernel-in'), { preserve: false, recursive: false, umask: 0o022 });
    const w = await sink.openFile({ type: 'C', mode: 0o644, size: 2n, name: 'up' }, undefined, 0);
    if ('error' in w) throw new Error(String(w.error));
    await w.write(Buffer.from('in'));
    expect(await w.finish({ ok: true })).toBeUndefined();
    expect(await readFile(join(root, 'x'), 'utf8')).toBe('in');
    await expect(lstat(join(base, 'x'))).rejects.toMatchObject({ code: 'ENOENT' }); // nothing at <root>/../x
    await rm(join(root, 'x'));
  });

  it('refuses a dangling link whose `..` climbs out only after a symlink is followed', async () => {
    const err = await rejection(jail.checkNoEscape(host('kernel-out'), { allowMissingLeaf: true }));
    expect(err).toMatchObject({ code: 'ERR_UNSAFE_NAME', message: '/kernel-out: Permission denied (symbolic link leads outside the root)' });
    await expect(lstat(join(base, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a symlink loop', async () => {
    const err = await rejection(jail.checkNoEscape(host('loop-a'), { allowMissingLeaf: true }));
    expect(err).toMatchObject({ code: 'ERR_LOCAL_IO', message: '/loop-a: Too many levels of symbolic links' });
  });

  it('refuses a host path that is not inside the root', async () => {
    const err = await rejection(jail.checkNoEscape('/etc/passwd', { allowMissingLeaf: false }));
    expect(err).toMatchObject({ code: 'ERR_UNSAFE_NAME', message: 'path is outside the root' });
  });

  it('never names the real root in a message', async () => {
    const paths = ['etc-link/x', 'nope/x', 'file.txt/x', 'dangling-out', 'loop-a', 'chain', 'photos/new.jpg'];
    for (const p of paths) {
      const err = await rejection(jail.checkNoEscape(host(p), { allowMissingLeaf: false }));
      expect(err.message).not.toContain(base);
      expect(err.path ?? '').not.toContain(base);
      expect(err.cause).toBeUndefined();
    }
  });
});

describe('Jail.isInside (for a tree walker before it follows a symlink)', () => {
  it.each([
    ['', true],
    ['photos/a.jpg', true],
    ['album', true],
    ['abs-album/a.jpg', true],
    ['etc-link', false],
    ['out-link/secret.txt', false],
    ['up-link', false],
    ['chain', false],
    // nothing to follow: the walker's stat() says "No such file or directory"
    ['nope.txt', true],
    ['dangling-in', true],
    ['dangling-out', true],
    ['loop-a', true],
  ])('%j → %s', async (clientPath, inside) => {
    await expect(jail.isInside(host(clientPath))).resolves.toBe(inside);
  });

  it('is false for a host path outside the root, resolvable or not', async () => {
    await expect(jail.isInside('/etc')).resolves.toBe(false);
    await expect(jail.isInside(join(outside, 'missing'))).resolves.toBe(false);
    await expect(jail.isInside('relative')).resolves.toBe(false);
  });
});
