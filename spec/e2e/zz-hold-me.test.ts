import { existsSync, writeFileSync } from 'node:fs';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
const sshd = sshdPerSuite();
it('holds', async () => {
  const acc = (a: typeof sshd.user) => ({ name: a.name, keyPath: a.keyPath, home: a.home, chroot: a.chroot, sshArgs: sshd.sshArgs(a) });
  writeFileSync('/tmp/me-sshd.json', JSON.stringify({ port: sshd.port, dir: sshd.dir, knownHosts: sshd.knownHostsPath, user: acc(sshd.user), rssh: acc(sshd.rssh), sftp: acc(sshd.sftp) }, null, 1));
  const end = Date.now() + 150 * 60_000;
  while (Date.now() < end && !existsSync('/tmp/me-stop')) await new Promise((r) => setTimeout(r, 1000));
});
