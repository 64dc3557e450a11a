// SftpPaths: realpath as sftp-server answers it but inside the root,
// readlink that never shows a host path, and the rule for new symlinks.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jail } from '../../../../lib/server/jail';
import { SftpPaths } from '../../../../lib/server/sftp/paths';
import { SftpFailure } from '../../../../lib/server/sftp/status';
import { STATUS } from '../../../../lib/server/sftp/wire';

let base: string;
let root: string;
let paths: SftpPaths;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'scpipe-test-sftppaths-')));
  root = join(base, 'root');
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await writeFile(join(base, 'secret'), 'outside');
  await symlink('a/b', join(root, 'inner'));
  await symlink(join(root, 'a'), join(root, 'absinner'));
  await symlink(join(base, 'secret'), join(root, 'out'));
  await symlink('../secret', join(root, 'relout'));
  paths = new SftpPaths(new Jail(root));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<SftpFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SftpFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

it('realpath: "" and . are /, .. stops at /, links inside resolve, a missing last name is allowed', async () => {
  expect(await paths.realpath('')).toBe('/');
  expect(await paths.realpath('.')).toBe('/');
  expect(await paths.realpath('../../..')).toBe('/');
  expect(await paths.realpath('inner')).toBe('/a/b');
  expect(await paths.realpath('/absinner/b/new')).toBe('/a/b/new');
  expect((await failure(paths.realpath('missing/new'))).status).toBe(STATUS.NO_SUCH_FILE);
});

it('realpath and follow refuse a link that leads outside, naming only the client path', async () => {
  const f = await failure(paths.realpath('out'));
  expect(f.status).toBe(STATUS.PERMISSION_DENIED);
  expect(f.message).toBe('/out: Permission denied (symbolic link leads outside the root)');
  expect((await failure(paths.follow('relout'))).status).toBe(STATUS.PERMISSION_DENIED);
  expect(await paths.noFollow('out')).toBe(join(root, 'out')); // the link itself (lstat, remove)
});

it('readlink shows targets inside as the client sees them, and refuses targets outside', async () => {
  expect(await paths.readlink('inner')).toBe('a/b');
  expect(await paths.readlink('absinner')).toBe('/a');
  expect((await failure(paths.readlink('out'))).message).not.toContain(base);
  expect((await failure(paths.readlink('relout'))).status).toBe(STATUS.PERMISSION_DENIED);
});

it('readlink shows a link it made whose .. is taken after a link, and refuses one whose .. leaves the root', async () => {
  await symlink(await paths.symlinkTarget(join(root, 'l'), '/inner/../../x', '/l'), join(root, 'l'));
  expect(await paths.readlink('l')).toBe('inner/../../x');
  await symlink('inner/../../../x', join(root, 'up'));
  expect((await failure(paths.readlink('up'))).status).toBe(STATUS.PERMISSION_DENIED);
});

// inner -> a/b: `inner/../../x` is root/x to the kernel, though by name it climbs above the root.
it('readlink shows a link made over SFTP whose .. follows a link, as it leads inside; refuses it once it leads outside', async () => {
  const link = join(root, 'l');
  await symlink(await paths.symlinkTarget(link, '/inner/../../x', '/l'), link);
  expect(await paths.readlink('l')).toBe('inner/../../x');
  // `inner` made a directory: the same text now leads above the root.
  await rm(join(root, 'inner'));
  await mkdir(join(root, 'inner'));
  expect((await failure(paths.readlink('l'))).status).toBe(STATUS.PERMISSION_DENIED);
});

it('symlinkTarget stores absolute client targets relative, keeps the names and .. as given, and refuses a way out', async () => {
  const link = join(root, 'a', 'l');
  expect(await paths.symlinkTarget(link, '/a/b', '/a/l')).toBe('b');
  expect(await paths.symlinkTarget(link, '/etc/passwd', '/a/l')).toBe('../etc/passwd');
  expect(await paths.symlinkTarget(link, 'b/../../inner', '/a/l')).toBe('b/../../inner');
  expect(await paths.symlinkTarget(link, '/inner/../x', '/a/l')).toBe('../inner/../x');
  expect((await failure(paths.symlinkTarget(link, '/relout/../x', '/a/l'))).status).toBe(STATUS.PERMISSION_DENIED);
  expect((await failure(paths.symlinkTarget(link, '../../secret', '/a/l'))).status).toBe(STATUS.PERMISSION_DENIED);
  expect((await failure(paths.symlinkTarget(link, '', '/a/l'))).status).toBe(STATUS.BAD_MESSAGE);
});
