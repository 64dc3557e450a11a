// `put --part-size host:DIR` where DIR is a directory: the set went beside
// it (DIR.000000 …, DIR.sha256, in DIR's parent), exit 0, while a plain put
// goes inside DIR as scp does. User sees now: exit 2 before the input is
// read on, naming host:DIR/NAME; nothing is stored.
import { mkdir, readdir, chown } from 'node:fs/promises';
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
