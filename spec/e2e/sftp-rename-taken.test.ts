// A v3 RENAME onto a name that is taken: OpenSSH's sftp-server answers
// FAILURE, ProFTPD's mod_sftp FILE_ALREADY_EXISTS (11, a v5 code it sends in
// v3 too). Without posix-rename (ProFTPD with `SFTPExtensions -posixRename`),
// every upload over an existing file met 11 and failed, its temporary file
// removed; with --no-clobber, a file made during the upload had the upload
// removed instead of kept. Modelled by the hostile fake, which offers no
// posix-rename and answers such a RENAME with 11.
import { randomBytes } from 'node:crypto';
import { runCli } from '../helpers/cli';
import { startHostileSftp, type FakeEntry, type HostileSftp } from '../helpers/hostile-sftp';

let fake: HostileSftp | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const FILE_ALREADY_EXISTS = 11;
const dir: FakeEntry = { kind: 'dir', mode: 0o755 };

it('put over an existing file: the old one removed, the upload renamed onto its name (as after FAILURE)', async () => {
  const old: FakeEntry = { kind: 'file', mode: 0o644, data: Buffer.from('old\n') };
  fake = await startHostileSftp({
    stat: (p) => (p === '/up' || p === '.' ? dir : p === '/up/f.bin' && !fake!.uploads.ops.includes('remove /up/f.bin') ? old : undefined),
    list: () => undefined,
    renameStatus: (_from, to) => (to === '/up/f.bin' && !fake!.uploads.ops.includes('remove /up/f.bin') ? FILE_ALREADY_EXISTS : undefined),
  });
  const data = randomBytes(100_000);
  const r = await runCli(['put', ...fake.args(), '-s', '-v', 'backup@127.0.0.1:/up/f.bin'], { stdin: data });
  expect(r.stderr).toContain('sftp: no posix-rename@openssh.com: removing the old /up/f.bin before the rename');
  expect(r.status).toBe(0);
  expect([...fake.uploads.files.keys()]).toEqual(['/up/f.bin']);
  expect(fake.uploads.files.get('/up/f.bin')!.equals(data)).toBe(true);
});

it('put --no-clobber, the file made during the upload: kept, and the upload whole under its temporary name', async () => {
  let made = false;
  const other: FakeEntry = { kind: 'file', mode: 0o644, data: Buffer.from('theirs\n') };
  fake = await startHostileSftp({
    stat: (p) => (p === '/up' || p === '.' ? dir : p === '/up/f.bin' && made ? other : undefined),
    list: () => undefined,
    writtenSize: (_path, real) => ((made = true), real), // asked at the size check, just before the rename
    renameStatus: (_from, to) => (to === '/up/f.bin' ? FILE_ALREADY_EXISTS : undefined),
  });
  const data = randomBytes(100_000);
  const r = await runCli(['put', ...fake.args(), '-s', '--no-clobber', 'backup@127.0.0.1:/up/f.bin'], { stdin: data });
  expect(r.stderr).toMatch(/^scpipe: \/up\/f\.bin: another program made this file during the upload, and --no-clobber leaves it as it is; the upload is whole in \/up\/\.f\.bin\.scpipe-\w{6}\n$/);
  expect(r.status).toBe(1);
  const kept = [...fake.uploads.files.keys()];
  expect(kept).toEqual([expect.stringMatching(/^\/up\/\.f\.bin\.scpipe-\w{6}$/)]);
  expect(fake.uploads.files.get(kept[0]!)!.equals(data)).toBe(true);
  expect(fake.uploads.ops.filter((op) => op.startsWith('remove'))).toEqual([]);
});
