// `put --part-size host:DIR` where DIR is a directory: the set went beside
// it (DIR.000000 …, DIR.sha256, in DIR's parent), exit 0, while a plain put
// goes inside DIR as scp does. User sees now: exit 2 before the input is
// read on, naming host:DIR/NAME; nothing is stored.
import { mkdir, readdir, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-test-parts-dir-', { mustEndEmpty: true });

describe.each([
  ['scp', ['-O'], () => sshd.rssh],
  ['sftp', ['--protocol', 'sftp'], () => sshd.sftp],
])('put --part-size to a directory, over %s', (_protocol, flags, account) => {
  it('is refused with exit 2 before the first part; DIR/NAME stores the set inside', async () => {
    const dir = await userDir(account(), 'parts-dir');
    await mkdir(join(dir, 'backups'));
    await chown(join(dir, 'backups'), account().uid, account().gid);
    const target = `${remotePath(account(), dir)}/backups`;
    const input = new PassThrough();
    input.write(Buffer.alloc(1000));
    const r = await runCli(['put', ...flags, ...sshFlags(sshd, account()), '--spool-dir', spoolDir(), '--part-size', '1M', remote(sshd, account(), target)], { stdin: input, timeoutMs: 20000 });
    expect(r).toMatchObject({
      status: 2,
      stderr: `scpipe: ${target} is a directory (or not a regular file): a parts set would go beside it as ${target}.000000 …; to store it inside, name it there (host:${target}/NAME)\n`,
    });
    expect(await readdir(dir)).toEqual(['backups']);
    const inside = await runCli(['put', ...flags, ...sshFlags(sshd, account()), '--spool-dir', spoolDir(), '--part-size', '2', remote(sshd, account(), `${target}/home`)], { stdin: 'abc' });
    expect(inside).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(join(dir, 'backups'))).sort()).toEqual(['home.000000', 'home.000001', 'home.sha256']);
  });
});

// What an earlier scpipe left of `put --part-size host:DIR`: DIR.000000 …,
// DIR.sha256 beside DIR. `get host:DIR` said "not a regular file" (SCP) or
// "is a directory" (SFTP), exit 1, as if there were no set. User sees now:
// the set, exit 0 (a directory is no stream); with no set beside DIR, the
// first message as before.
describe.each([
  ['scp', ['-O'], () => sshd.rssh, 'scp: %s: not a regular file'],
  ['sftp', ['--protocol', 'sftp'], () => sshd.sftp, '%s: is a directory'],
])('get of a set an earlier scpipe stored beside a directory of its name, over %s', (_protocol, flags, account, refusal) => {
  it('restores the set; a directory with no set beside it is refused as before', async () => {
    const dir = await userDir(account(), 'parts-dir-get');
    const target = `${remotePath(account(), dir)}/backups`;
    const put = await runCli(['put', ...flags, ...sshFlags(sshd, account()), '--spool-dir', spoolDir(), '--part-size', '2', remote(sshd, account(), target)], { stdin: 'abcde' });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    await mkdir(join(dir, 'backups'));
    await chown(join(dir, 'backups'), account().uid, account().gid);
    await writeFile(join(dir, 'backups', 'inside'), 'not the set');
    const got = await runCli(['get', ...flags, ...sshFlags(sshd, account()), remote(sshd, account(), target)]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.toString()).toBe('abcde');
    await mkdir(join(dir, 'plain'));
    const plain = `${remotePath(account(), dir)}/plain`;
    const none = await runCli(['get', ...flags, ...sshFlags(sshd, account()), remote(sshd, account(), plain)]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain(refusal.replace('%s', plain));
  });
});
