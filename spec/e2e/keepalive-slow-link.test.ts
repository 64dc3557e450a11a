// A slow but live link is not a dead one: while the server's bytes come in,
// ServerAlive* does not cut the connection, as in ssh (which asks only after
// an interval with nothing received). Here a keepalive's reply, or its
// request, waits behind seconds of queued data in a 200 KB/s relay in front
// of the real sshd, longer than ServerAliveInterval × ServerAliveCountMax.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli, sshFlagsVia } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startThrottleProxy, type ThrottleProxy } from '../helpers/throttle-proxy';

const sshd = sshdPerSuite();
const data = randomBytes(1_500_000); // 7.5 s at 200 KB/s
let proxy: ThrottleProxy;
let local: string;
let dir: string;

beforeAll(async () => {
  await sshd.setRsshAllowed(['scp', 'sftp']);
  proxy = await startThrottleProxy(sshd.port, 200_000);
  local = await mkdtemp(join(tmpdir(), 'scpipe-slow-link-'));
  dir = await userDir(sshd.rssh, 'slow-link');
});
afterAll(async () => {
  await proxy?.close();
  await rm(local, { recursive: true, force: true });
});

// sshFlags' own, with the proxy's port and a known_hosts naming it.
const flags = (): string[] => [
  ...sshFlagsVia(sshd, proxy.port, join(local, 'known_hosts'), sshd.rssh),
  '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2',
  '--retries', '0',
];

it('put over SFTP: the upload ends whole, exit 0', async () => {
  const r = await runCli(['put', '-s', ...flags(), remote(sshd, sshd.rssh, `${dir}/up`)], { stdin: data, timeoutMs: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect((await readFile(join(dir, 'up'))).equals(data)).toBe(true);
}, 70_000);

it('get over SCP: every byte on stdout, exit 0', async () => {
  await writeFile(join(dir, 'down'), data);
  const r = await runCli(['get', '-O', ...flags(), remote(sshd, sshd.rssh, `${dir}/down`)], { timeoutMs: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.equals(data)).toBe(true);
}, 70_000);
