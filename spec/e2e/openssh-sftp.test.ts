// SFTP over `--transport openssh`: each channel is an `ssh -s HOST sftp` of
// its own and the same SFTP code speaks over its stdio, end to end against
// the real sshd through the sftp-only jail and the rssh-like account.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { remote, runCli, sshFlags, chunks } from '../helpers/cli';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { ChannelOpener } from '../../lib/client/connection';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const flags = (account: TestAccount, extra: string[] = []): string[] => ['--transport', 'openssh', ...sshFlags(sshd, account, extra)];


describe.each([
  ['the sftp-only jail', () => sshd.sftp],
  ['the rssh-like account', () => sshd.rssh],
])('--transport openssh over SFTP through %s', (_, account) => {
  let dir: string; // on this machine
  let rdir: string; // as the account sees it
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(account(), 'openssh-sftp');
    rdir = remotePath(account(), dir);
  });

  it('put streams in one pass over three ssh processes, byte-exact, and nothing is left but the file', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 7);
    const r = await runCli(['put', ...flags(account()), '-v', '--parallel', '3', remote(sshd, account(), `${rdir}/p.bin`)], {
      stdin: Readable.from(chunks(data, 65536)),
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`scpipe: sftp: opening the sftp subsystem (ssh -s ${sshd.host} sftp)`);
    expect(r.stderr).toContain('scpipe: protocol: sftp (the sftp subsystem opened)');
    expect(r.stderr).toContain('sftp: 3 channel(s), nothing spooled');
    expect((await readFile(join(dir, 'p.bin'))).equals(data)).toBe(true);
    expect(await readdir(dir)).toEqual(['p.bin']);
  });

  it('get reads the exact bytes to stdout', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    await writeFile(join(dir, 'g.bin'), data);
    await chmod(join(dir, 'g.bin'), 0o644);
    const r = await runCli(['get', ...flags(account()), '--protocol', 'sftp', remote(sshd, account(), `${rdir}/g.bin`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('a missing file is the server\'s "No such file" and exit 1', async () => {
    const r = await runCli(['get', ...flags(account()), '--protocol', 'sftp', remote(sshd, account(), `${rdir}/none`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: .*none.*No such file/m);
  });
});

describe('--transport openssh where SFTP is refused', () => {
  it('auto falls back to SCP on an scp-only account, and -v says why', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'openssh-sftp-refused');
    const r = await runCli(['put', ...flags(sshd.rssh), '-v', remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: 'over scp' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/protocol: scp \(the server refused the sftp subsystem: .+\)/);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('over scp');
  });

  it('--protocol sftp on an scp-only account fails with exit 1 and says to try scp', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'openssh-sftp-forced');
    const r = await runCli(['put', ...flags(sshd.rssh), '--protocol', 'sftp', remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: the server refused the sftp subsystem: .*try --protocol scp/m);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a key the server refuses is exit 255 with ssh\'s own message, once', async () => {
    const r = await runCli(['put', '--transport', 'openssh', ...sshFlags(sshd, sshd.sftp, [], sshd.wrongKeyPath), remote(sshd, sshd.sftp, 'f')], { stdin: 'x' });
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/^scpipe: ssh: .*Permission denied/m);
    expect(r.stderr.match(/Permission denied/g)).toHaveLength(1);
  });
});

describe('--transport openssh on a server with no sftp subsystem', () => {
  const plain = sshdPerSuite({ noSftpSubsystem: true });

  it('auto goes over SCP (ssh exits 255 there, which is no failed connect), --protocol sftp is exit 1', async () => {
    const dir = await userDir(plain.user, 'openssh-no-subsystem');
    const args = (...extra: string[]): string[] => ['--transport', 'openssh', ...sshFlags(plain, plain.user), ...extra];
    const put = await runCli(['put', ...args('-v'), remote(plain, plain.user, `${dir}/f`)], { stdin: 'over scp' });
    expect(put.status).toBe(0);
    expect(put.stderr).toMatch(/protocol: scp \(the server refused the sftp subsystem: subsystem request failed on channel 0\)/);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('over scp');
    const get = await runCli(['get', ...args(), remote(plain, plain.user, `${dir}/f`)]);
    expect(get).toMatchObject({ status: 0, stderr: '' });
    expect(get.stdout.toString()).toBe('over scp');
    const forced = await runCli(['get', ...args('-s'), remote(plain, plain.user, `${dir}/f`)]);
    expect(forced.status).toBe(1);
    expect(forced.stderr).toBe('scpipe: the server refused the sftp subsystem: subsystem request failed on channel 0; this host may allow only scp: try --protocol scp (or auto)\n');
    // Under -v ssh's own error is not its last line: its debug lines and totals follow.
    const told = await runCli(['get', ...args('-s', '-v'), remote(plain, plain.user, `${dir}/f`)]);
    expect(told.status).toBe(1);
    expect(told.stderr).toMatch(/^scpipe: the server refused the sftp subsystem: subsystem request failed on channel 0; this host may allow only scp/m);
  });
});

describe('--transport openssh: an ssh ended while the sftp subsystem opens', () => {
  it('is a lost connection (retried by parts), not the server refusing SFTP', async () => {
    const opener = new ChannelOpener({ transport: 'openssh', host: '127.0.0.1', user: sshd.sftp.name, port: sshd.port, identityFiles: [sshd.sftp.keyPath], configFile: 'none', options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'BatchMode=yes'] });
    const children = (): number => (opener as unknown as { ssh: { children: Set<unknown> } }).ssh.children.size;
    (await opener.sftp(new AbortController().signal)).session.end(); // the host is reached: no more waiting for a first ssh
    await waitFor(() => children() === 0);
    const second = opener.sftp(new AbortController().signal);
    await waitFor(() => children() === 1); // its ssh runs, the subsystem has not answered yet
    opener.close(); // as a retry's reconnect closes the lost connection's channels
    await expect(second).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' });
  });
});
