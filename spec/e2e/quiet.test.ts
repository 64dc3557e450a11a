// -q hides ssh's warnings as scp -q does (scp runs ssh -q): a cron job that
// adds a new host under StrictHostKeyChecking=accept-new mailed its owner
// "Warning: Permanently added …" on every first run with -q. -v still shows it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-quiet-');

async function putNewHost(extra: string[]): Promise<{ status: number | null; stderr: string; knownHosts: string }> {
  const dir = await userDir(sshd.user, 'quiet');
  const knownHosts = join(local(), 'known_hosts');
  const r = await runCli([
    'put', '-F', 'none', '-P', String(sshd.port), '-i', sshd.user.keyPath, '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', ...extra, remote(sshd, sshd.user, `${dir}/f`),
  ], { stdin: Buffer.from('data') });
  expect(await readFile(join(dir, 'f'), 'utf8')).toBe('data');
  return { status: r.status, stderr: r.stderr, knownHosts: await readFile(knownHosts, 'utf8') };
}

const added = (): string => `Warning: Permanently added '[127.0.0.1]:${sshd.port}' (ED25519) to the list of known hosts.`;

it('without -q, a host added under accept-new is said, as ssh says it', async () => {
  const r = await putNewHost([]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: `${added()}\n` });
  expect(r.knownHosts).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
});

it('with -q, nothing is said, and the host is added all the same', async () => {
  const r = await putNewHost(['-q']);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.knownHosts).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
});

it('with -q -v, the -v log still has it', async () => {
  const r = await putNewHost(['-q', '-v']);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`scpipe: ${added()}\n`);
});
