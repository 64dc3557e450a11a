// linkText(): a new link keeps the client's names and `..`s, as sftp-server
// keeps its text, so the kernel takes a `..` after the link before it; an
// absolute target is made relative to the link's directory, its `..` at the
// root left out as a chroot ignores it.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jail } from '../../../../lib/server/jail';
import { LEADS_OUTSIDE } from '../../../../lib/server/real-directory';
import { linkText } from '../../../../lib/server/sftp/link-text';

// base/root/backups/day/db, base/root/a/b; root/latest -> backups/day, root/up -> .., root/out -> base/outdir
let base: string;
let root: string;
let jail: Jail;
beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'scpipe-test-linktext-')));
  root = join(base, 'root');
  await mkdir(join(root, 'backups', 'day'), { recursive: true });
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await mkdir(join(base, 'outdir'));
  await writeFile(join(root, 'backups', 'day', 'db'), 'x');
  await symlink('backups/day', join(root, 'latest'));
  await symlink('..', join(root, 'up'));
  await symlink(join(base, 'outdir'), join(root, 'out'));
  jail = new Jail(root);
});
afterAll(() => rm(base, { recursive: true, force: true }));

it('keeps an absolute target\'s .. after a link, from the link\'s directory up to the root', async () => {
  expect(await linkText(jail, root, '/latest/../x')).toEqual({ text: 'latest/../x', leadsTo: join(root, 'backups', 'x') });
  expect(await linkText(jail, join(root, 'a', 'b'), '/latest/../day/db')).toEqual({ text: '../../latest/../day/db', leadsTo: join(root, 'backups', 'day', 'db') });
});

it('leaves out the part of an absolute target that names the link\'s own directory, and a .. at the root', async () => {
  expect(await linkText(jail, join(root, 'a'), '/a/b')).toEqual({ text: 'b', leadsTo: join(root, 'a', 'b') });
  expect(await linkText(jail, join(root, 'a'), '/etc/passwd')).toEqual({ text: '../etc/passwd', leadsTo: join(root, 'etc', 'passwd') });
  expect(await linkText(jail, join(root, 'a'), '/../../a/./b/')).toEqual({ text: 'b/', leadsTo: join(root, 'a', 'b') });
  expect(await linkText(jail, root, '/latest/../../../x')).toEqual({ text: 'latest/../../x', leadsTo: join(root, 'x') });
  expect(await linkText(jail, join(root, 'a'), '/')).toEqual({ text: '..', leadsTo: root });
  expect(await linkText(jail, root, '/')).toEqual({ text: '.', leadsTo: root });
});

it('keeps a relative target as given, refusing one whose .. would climb above the root', async () => {
  expect(await linkText(jail, join(root, 'a'), 'b/../../latest/../day/./db')).toEqual({ text: 'b/../../latest/../day/./db', leadsTo: join(root, 'backups', 'day', 'db') });
  expect(await linkText(jail, root, 'latest/../../../x')).toBe(LEADS_OUTSIDE);
  expect(await linkText(jail, join(root, 'a'), '../..')).toBe(LEADS_OUTSIDE);
});

it('refuses a name before .. that leads outside; takes a missing one by name, as the link will lead once it is made', async () => {
  expect(await linkText(jail, root, '/up/../x')).toBe(LEADS_OUTSIDE);
  expect(await linkText(jail, root, 'out/../x')).toBe(LEADS_OUTSIDE);
  expect(await linkText(jail, root, '/nothere/../x')).toEqual({ text: 'nothere/../x', leadsTo: join(root, 'x') });
  expect(await linkText(jail, root, 'nothere/../..')).toBe(LEADS_OUTSIDE);
});
