// -v says "sftp: opening the sftp subsystem" once for each channel opened,
// each further one named: a get over two channels said the same line twice,
// which read as one channel opened twice.
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

const opens = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('scpipe: sftp: opening the sftp subsystem'));

describe('scpipe get -v over SFTP', () => {
  it('says it opens the subsystem once on one channel', async () => {
    const r = await runCli(['get', ...sshFlags(sshd, sshd.sftp), '-v', '--protocol', 'sftp', '--parallel', '1', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)]);
    expect({ status: r.status, same: r.stdout.equals(DATA), opens: opens(r.stderr) }).toEqual({ status: 0, same: true, opens: ['scpipe: sftp: opening the sftp subsystem'] });
  });

  it('names each further channel it opens for --parallel', async () => {
    const r = await runCli(['get', ...sshFlags(sshd, sshd.sftp), '-v', '--protocol', 'sftp', '--parallel', '3', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)]);
    expect({ status: r.status, same: r.stdout.equals(DATA), opens: opens(r.stderr).sort() }).toEqual({
      status: 0,
      same: true,
      opens: ['scpipe: sftp: opening the sftp subsystem', 'scpipe: sftp: opening the sftp subsystem for channel 2 of 3', 'scpipe: sftp: opening the sftp subsystem for channel 3 of 3'],
    });
    expect(r.stderr).toContain('over 3 channel(s) (--parallel)');
  });
});
