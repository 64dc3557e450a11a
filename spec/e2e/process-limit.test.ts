// Under a process limit (`ulimit -u`, which Linux counts in threads) too low
// for the threads and ssh processes scpipe starts. A preload takes every
// thread the limit leaves once Node is up, so the test does not depend on how
// many threads Node itself needs. Run as a uid of its own through setpriv:
// the limit does not bind root, and counts every process of the uid.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliForAnyUserPerSuite } from '../helpers/cli-for-any-user';
import { remote } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-nproc-');
const cli = cliForAnyUserPerSuite();
const UID = 54322;
const LIMIT = 24; // Node needs about 11 threads to start

const TAKE_THREADS = `
const fs = require('fs');
const { Worker } = require('worker_threads');
fs.stat('/', () => undefined); // starts libuv's thread pool while it still can
globalThis.heldThreads = [];
for (;;) {
  try {
    const w = new Worker('setInterval(() => undefined, 1 << 30)', { eval: true, stdout: true, stderr: true });
    w.on('error', () => undefined);
    w.unref();
    globalThis.heldThreads.push(w);
  } catch {
    break;
  }
}
`;

const HINT = "the process limit, `ulimit -u`, counts this user's threads too and is too low: scpipe needs about 16, and one more per connection with --transport openssh";

function putAs(args: string[], input: Buffer | string): { status: number | null; stderr: string } {
  const home = local();
  const key = join(home, 'key');
  const hook = join(home, 'take-threads.js');
  copyFileSync(sshd.user.keyPath, key);
  writeFileSync(hook, TAKE_THREADS);
  for (const p of [home, key, hook]) chownSync(p, UID, UID);
  chmodSync(key, 0o600);
  const r = spawnSync('prlimit', [`--nproc=${LIMIT}`, '--',
    'setpriv', '--reuid', String(UID), '--regid', String(UID), '--clear-groups',
    process.execPath, '--require', hook, cli(), 'put', '-q', '-P', String(sshd.port), '-i', key,
    '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'BatchMode=yes', '-F', 'none', ...args,
  ], { input, encoding: 'utf8', cwd: home, env: { PATH: process.env.PATH!, HOME: home }, timeout: 30000 });
  return { status: r.status, stderr: r.stderr };
}

beforeAll(() => {
  if (spawnSync('getent', ['passwd', String(UID)]).status === 0) throw new Error(`uid ${UID} has a passwd entry here: this test needs one that has none`);
  if (spawnSync('pgrep', ['-U', String(UID)]).status === 0) throw new Error(`uid ${UID} runs processes here: this test needs a uid of its own`);
});

// Before, Node's Worker said only "EAGAIN": "unexpected failure: EAGAIN".
it('put --part-size: says the hashing thread was refused by the process limit (exit 1), and leaves no part', async () => {
  const dir = await userDir(sshd.user, 'nproc-parts');
  const r = putAs(['--part-size', '1M', remote(sshd, sshd.user, `${dir}/set`)], Buffer.alloc(3 << 20, 7));
  expect(r).toEqual({
    status: 1,
    stderr: `scpipe: cannot start the hashing thread: Resource temporarily unavailable (${HINT}); the parts set set is incomplete (no manifest set.sha256): no part confirmed\n`,
  });
  expect(readdirSync(dir)).toEqual([]);
});

it('put of a pipe over SCP: says the spool thread was refused by the process limit (exit 1)', async () => {
  const dir = await userDir(sshd.user, 'nproc-spool');
  const r = putAs(['-O', remote(sshd, sshd.user, `${dir}/f`)], Buffer.alloc(3 << 20, 7));
  expect(r).toEqual({ status: 1, stderr: `scpipe: cannot start the spool thread: Resource temporarily unavailable (${HINT})\n` });
  expect(readdirSync(dir)).toEqual([]);
});

// Before: "remote scp was not found (exit status 127); is scp installed there?",
// of an ssh that never ran.
it('--transport openssh: says ssh could not be started for the process limit (exit 255)', async () => {
  const dir = await userDir(sshd.user, 'nproc-ssh');
  const r = putAs(['--transport', 'openssh', '--retries', '0', '-O', '--size', '4', remote(sshd, sshd.user, `${dir}/f`)], 'data');
  expect(r).toEqual({ status: 255, stderr: `scpipe: cannot run ssh: Resource temporarily unavailable (${HINT})\n` });
  expect(readdirSync(dir)).toEqual([]);
});
