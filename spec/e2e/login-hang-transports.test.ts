// A server whose login hangs after the key exchange (PAM or LDAP stuck),
// under BatchMode, as a cron job runs: both transports give up on their own,
// exit 255 as ssh, with no retry (the login never got through, so there is
// nothing to go on with) and nothing stored. With --transport openssh, ssh's
// own BatchMode default (ServerAliveInterval 300) waited 15 minutes, or the
// server's LoginGraceTime: scpipe's keepalive now bounds it as without BatchMode.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlagsVia } from '../helpers/cli';
import { startLoginStallProxy, type LoginStallProxy } from '../helpers/login-stall-proxy';
import { SHORT_CONNECT_TIMEOUT_S, SHORT_HANDSHAKE } from '../helpers/short-waits';

const sshd = sshdPerSuite();
let proxy: LoginStallProxy;
let local: string;
beforeEach(async () => {
  proxy = await startLoginStallProxy(sshd.port);
  proxy.stall();
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-login-hang-'));
});
afterEach(async () => {
  await proxy.close();
  await rm(local, { recursive: true, force: true });
});

it('the ssh2 transport: gives up at its login bound, exit 255, not retried', async () => {
  const dir = await userDir(sshd.rssh, 'login-hang-ssh2');
  const flags = sshFlagsVia(sshd, proxy.port, join(local, 'known_hosts'), sshd.rssh);
  const r = await runCli(['put', '--retries', '2', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: 'x', timeoutMs: 60_000, env: SHORT_HANDSHAKE });
  expect(r.stderr).toBe(`scpipe: scpipe-rssh@127.0.0.1: timed out during the SSH handshake (no login within ${SHORT_CONNECT_TIMEOUT_S} s)\n`);
  expect(r.status).toBe(255);
  expect(proxy.stalledLogins()).toBe(1);
  expect(await readdir(dir)).toEqual([]);
}, 90_000);

// ServerAliveCountMax=1 (the user's) with scpipe's ServerAliveInterval of 15 s: the login is given 15 s.
it('the openssh transport: scpipe\'s keepalive ends the wait, exit 255 naming the bound, not retried', async () => {
  const dir = await userDir(sshd.rssh, 'login-hang-openssh');
  const flags = sshFlagsVia(sshd, proxy.port, join(local, 'known_hosts'), sshd.rssh, ['-o', 'ServerAliveCountMax=1']);
  const r = await runCli(['put', '--transport', 'openssh', '--retries', '2', ...flags, remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: 'x', timeoutMs: 90_000 });
  expect(r.stderr).toMatch(/^scpipe: ssh: could not connect to 127\.0\.0\.1 \(exit status 255 after \d+ s, without a word: ssh ends so when the server does not answer the key exchange or the login for ServerAliveInterval × ServerAliveCountMax, 15 s, or closes the connection\)\n$/);
  expect(r.status).toBe(255);
  expect(proxy.stalledLogins()).toBe(1);
  expect(await readdir(dir)).toEqual([]);
}, 120_000);
