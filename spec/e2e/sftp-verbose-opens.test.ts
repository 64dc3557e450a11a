// -v says "sftp: opening the sftp subsystem" once for each channel opened,
// each further one named: a get over two channels said the same line twice,
// which read as one channel opened twice. Both transports say it (the openssh
// one adds the ssh it runs, as for an exec), for a get and a put alike.
import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
const DATA = Buffer.alloc(3 * 261_120, 7); // three reads of OpenSSH's size: one for each channel
let dir: string;

beforeAll(async () => {
  dir = await userDir(sshd.sftp, 'verbose-opens');
  await writeFile(join(dir, 'f.bin'), DATA);
  await chown(join(dir, 'f.bin'), sshd.sftp.uid, sshd.sftp.gid);
});

const opens = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('scpipe: sftp: opening the sftp subsystem')).sort();

describe.each([
  ['ssh2', ''],
  ['openssh', ' (ssh -s 127.0.0.1 sftp)'],
])('scpipe -v over SFTP, --transport %s', (transport, ran) => {
  const flags = (): string[] => ['--transport', transport, ...sshFlags(sshd, sshd.sftp), '-v', '--protocol', 'sftp'];
  const lines = (count: number): string[] => ['', ...[2, 3].slice(0, count - 1).map((i) => ` for channel ${i} of ${count}`)].map((which) => `scpipe: sftp: opening the sftp subsystem${which}${ran}`);

  it('get says it opens the subsystem once on one channel', async () => {
    const r = await runCli(['get', ...flags(), '--parallel', '1', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)]);
    expect({ status: r.status, same: r.stdout.equals(DATA), opens: opens(r.stderr) }).toEqual({ status: 0, same: true, opens: lines(1) });
  });

  it('get names each further channel it opens for --parallel', async () => {
    const r = await runCli(['get', ...flags(), '--parallel', '3', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)]);
    expect({ status: r.status, same: r.stdout.equals(DATA), opens: opens(r.stderr) }).toEqual({ status: 0, same: true, opens: lines(3) });
    expect(r.stderr).toContain('over 3 channel(s) (--parallel)');
  });

  it('put says it opens the subsystem on its one channel', async () => {
    const r = await runCli(['put', ...flags(), '--parallel', '1', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/put-${transport}.bin`)], { stdin: 'x' });
    expect({ status: r.status, opens: opens(r.stderr) }).toEqual({ status: 0, opens: lines(1) });
  });
});
