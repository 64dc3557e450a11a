// A server without AES-GCM, as Dropbear (chacha20-poly1305, aes128-ctr,
// aes256-ctr): ssh agrees on chacha20-poly1305; scpipe did on aes128-ctr
// with a separate HMAC (ssh2's stale insertion index, cipher-order.ts),
// which costs both ends more CPU. Where ssh2 has its fast chacha binding
// (the only case it placed chacha among the CTR ciphers), scpipe now agrees
// with ssh; a Ciphers the user gives stays theirs.
import { spawnSync } from 'node:child_process';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { chachaBeforeCtr, ssh2DefaultCiphers } from '../../lib/transport/cipher-order';

const sshd = sshdPerSuite({ ciphers: 'chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr' });

it('agrees on chacha20-poly1305 as ssh does, unless Ciphers says otherwise', async () => {
  const dir = await userDir(sshd.rssh, 'cipher');
  const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-v', remote(sshd, sshd.rssh, `${dir}/a`)], { stdin: 'a' });
  expect(r.status).toBe(0);
  const ssh = spawnSync('ssh', [...sshd.sshArgs(sshd.rssh), '-v', '127.0.0.1', 'true'], { encoding: 'utf8' });
  expect(ssh.stderr).toContain('kex: client->server cipher: chacha20-poly1305@openssh.com');
  // ssh2 without its binding keeps chacha20-poly1305 last (slow in JS): then CTR is right.
  const expected = chachaBeforeCtr(ssh2DefaultCiphers()) ? 'chacha20-poly1305@openssh.com' : 'aes128-ctr';
  expect(r.stderr).toMatch(new RegExp(`kex [^\\n]*, cipher ${expected},`));
  const asked = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-v', '-o', 'Ciphers=aes256-ctr,chacha20-poly1305@openssh.com', remote(sshd, sshd.rssh, `${dir}/b`)], { stdin: 'b' });
  expect(asked.stderr).toMatch(/kex [^\n]*, cipher aes256-ctr,/);
  expect(asked.status).toBe(0);
});
