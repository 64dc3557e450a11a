// Out of descriptors (a low `ulimit -n`) while reading a file the user named
// or that ssh reads: known_hosts, ssh_config, an identity file, get's --check
// file (and the --checksum-file written), serve's authorized_keys. Each says the open-file limit and what to
// raise, as the other descriptor failures do, not Node's "EMFILE: too many
// open files, open '…'", nor "Permission denied" alone.
import { appendFile, chmod, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { noDescriptorAt } from '../helpers/no-descriptor-at';
import { sftpBatch, startServe } from '../helpers/serve';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-nofd-reads-');
const HINT = 'Too many open files (the open-file limit, `ulimit -n`, is too low: 64 is enough)';

async function putWithoutDescriptorAt(file: string, args: string[]): Promise<{ status: number | null; stderr: string; left: string[] }> {
  const dir = await userDir(sshd.user, 'nofd');
  const r = await runCli(['put', ...args, remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'data', env: noDescriptorAt(local(), file) });
  return { status: r.status, stderr: r.stderr, left: await readdir(dir) };
}

it('known_hosts', async () => {
  const r = await putWithoutDescriptorAt(sshd.knownHostsPath, sshFlags(sshd, sshd.user));
  expect(r).toEqual({ status: 255, stderr: `scpipe: cannot read known_hosts: ${sshd.knownHostsPath}: ${HINT}\n`, left: [] });
});

it('an ssh_config file (-F)', async () => {
  const config = join(local(), 'config');
  await writeFile(config, 'Host *\n  Compression no\n');
  const r = await putWithoutDescriptorAt(config, sshFlags(sshd, sshd.user).map((a) => (a === 'none' ? config : a)));
  expect(r).toEqual({ status: 255, stderr: `scpipe: cannot read ${config}: ${HINT}\n`, left: [] });
});

it('an identity file (-i)', async () => {
  const r = await putWithoutDescriptorAt(sshd.user.keyPath, sshFlags(sshd, sshd.user));
  expect(r.stderr).toContain(`; not offered: ${sshd.user.keyPath} (not readable: ${HINT}), `);
  expect(r).toMatchObject({ status: 255, left: [] });
});

// A default key (~/.ssh/id_ed25519, no -i) was skipped in silence: "Permission denied" alone.
it('a default identity file', async () => {
  const home = local();
  await mkdir(join(home, '.ssh'), { mode: 0o700 });
  const key = join(home, '.ssh', 'id_ed25519');
  await copyFile(sshd.user.keyPath, key);
  await chmod(key, 0o600);
  const dir = await userDir(sshd.user, 'nofd-default');
  const flags = sshFlags(sshd, sshd.user).filter((a, i, all) => a !== '-i' && all[i - 1] !== '-i');
  const r = await runCli(['put', ...flags, remote(sshd, sshd.user, `${dir}/f`)], { stdin: 'data', env: { HOME: home, ...noDescriptorAt(local(), key) } });
  expect(r.stderr).toContain(`; not offered: ${key} (not readable: ${HINT}), `);
  expect(r.status).toBe(255);
  expect(await readdir(dir)).toEqual([]);
});

it("get's --check file", async () => {
  const dir = await userDir(sshd.user, 'nofd-check');
  await writeFile(join(dir, 'f'), 'data');
  const sums = join(local(), 'sums');
  await writeFile(sums, `${'0'.repeat(64)}  f\n`);
  const r = await runCli(['get', '--check', sums, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { env: noDescriptorAt(local(), sums) });
  expect({ status: r.status, stderr: r.stderr, out: r.stdout.toString() }).toEqual({ status: 1, stderr: `scpipe: --check ${sums}: ${HINT}\n`, out: '' });
});

it('--checksum-file, written when the transfer is done', async () => {
  const dir = await userDir(sshd.user, 'nofd-sums');
  await writeFile(join(dir, 'f'), 'data');
  const sums = join(local(), 'sums');
  const r = await runCli(['get', '--checksum-file', sums, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { env: noDescriptorAt(local(), `${local()}/.sums.scpipe-`) });
  expect(r.stderr).toBe(`3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7  f\nscpipe: the transfer is done, but --checksum-file ${sums} could not be written: ${HINT} (its lines are above)\n`);
  expect(r.status).toBe(1);
  expect(r.stdout.toString()).toBe('data');
  expect(await readdir(local())).toEqual(['no-descriptor-hook.js']);
});

// serve read authorized_keys again after a change, found no descriptor, and
// took the file for unreadable until it changed again: every key refused,
// though descriptors were free from the next login on.
it("serve's authorized_keys: the log names serve's open-file limit, and the next login reads the file again", async () => {
  const now = join(local(), 'out-of-descriptors-now');
  const serve = await startServe([], noDescriptorAt(local(), '/authorized_keys', now));
  try {
    expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
    const keys = join(serve.dir, 'authorized_keys');
    await writeFile(now, '');
    await appendFile(keys, '\n'); // changed: read again at the next login
    expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
    expect(serve.log()).toContain(`scpipe: cannot read authorized keys ${keys}: Too many open files (the open-file limit of scpipe serve, \`ulimit -n\` (LimitNOFILE= in a systemd unit), is too low for the connections and files open at once); this login is refused, the next one reads it again\n`);
    await rm(now);
    expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
  } finally {
    await serve.stop();
  }
});
