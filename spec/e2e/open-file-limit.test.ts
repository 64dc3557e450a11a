// Out of file descriptors when ssh2 is loaded (`ulimit -n 24`): Node's
// require() then says "Cannot find module 'asn1'", which is not the cause.
// A preload takes every descriptor left once the TCP connect has begun
// (where the CLI loads ssh2), so the test does not depend on how many Node holds.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, remote, runCli, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-nofile-');

const HOOK = `
const fs = require('fs');
const net = require('net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  setImmediate(() => { // after the socket's own descriptor (next tick), before ssh2 loads
    for (let i = 0; i < 100000; i++) {
      try { fs.openSync('/dev/null', 'r'); } catch { break; }
    }
  });
  return connect.apply(this, args);
};
`;

it('says the open-file limit is too low (exit 255), not "Cannot find module"', async () => {
  const dir = await userDir(sshd.user, 'nofile');
  const hook = join(local(), 'hook.js');
  await writeFile(hook, HOOK);
  const r = spawnSync(process.execPath, [CLI, 'put', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], {
    input: 'data', encoding: 'utf8', timeout: 30000,
    env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME, NODE_OPTIONS: `--require ${hook}` },
  });
  expect(r.stderr).toBe('scpipe: cannot load ssh2: Too many open files (the open-file limit, `ulimit -n`, is too low: 64 is enough)\n');
  expect(r.status).toBe(255);
});

// No descriptor left for the socket itself (`ulimit -n 24` with --parallel 8
// here): Node said "connect EMFILE 127.0.0.1:PORT - Local (undefined:undefined)",
// which names neither the limit nor what to do.
const NONE_FOR_SOCKET = `
const fs = require('fs');
const net = require('net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  for (let i = 0; i < 100000; i++) {
    try { fs.openSync('/dev/null', 'r'); } catch { break; }
  }
  return connect.apply(this, args);
};
`;

it('says the open-file limit is too low when the socket gets no descriptor (exit 255)', async () => {
  const dir = await userDir(sshd.user, 'nofile-socket');
  const hook = join(local(), 'none-for-socket.js');
  await writeFile(hook, NONE_FOR_SOCKET);
  const r = spawnSync(process.execPath, [CLI, 'put', '-q', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], {
    input: 'data', encoding: 'utf8', timeout: 30000,
    env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME, NODE_OPTIONS: `--require ${hook}` },
  });
  expect(r.stderr).toBe(`scpipe: connect to host 127.0.0.1 port ${sshd.port}: Too many open files (the open-file limit, \`ulimit -n\`, is too low: 64 is enough)\n`);
  expect(r.status).toBe(255);
  expect(await readdir(dir)).toEqual([]);
});

// cp over SFTP keeps up to 16 small files in flight, each with its
// descriptor. Few descriptors left (a low `ulimit -n`; here all but four
// taken once the walk starts): a file waits for one in flight to end.
// Before, each open that found none said "Too many open files", exit 1,
// where one file at a time had worked. User sees: exit 0, nothing on
// stderr; left remotely: every file, byte-exact.
const FEW_LEFT = `
const fs = require('fs');
const fsp = require('fs/promises');
const opendir = fsp.opendir;
let taken = false;
fsp.opendir = function (...args) {
  if (!taken) {
    taken = true;
    const fds = [];
    for (let i = 0; i < 100000; i++) {
      try { fds.push(fs.openSync('/dev/null', 'r')); } catch { break; }
    }
    for (const fd of fds.splice(-4)) fs.closeSync(fd);
  }
  return opendir.apply(this, args);
};
`;

it('cp over SFTP with few descriptors left: the small files wait for one, not fail', async () => {
  const tree = join(local(), 'tree');
  await mkdir(tree);
  for (let i = 0; i < 40; i++) await writeFile(join(tree, `f${i}`), `file ${i}\n`.repeat(i + 1));
  const hook = join(local(), 'few-left.js');
  await writeFile(hook, FEW_LEFT);
  const dir = await userDir(sshd.user, 'nofile-cp');
  const r = spawnSync(process.execPath, [CLI, 'cp', '-r', '-q', ...sshFlags(sshd, sshd.user), tree, remote(sshd, sshd.user, `${dir}/tree`)], {
    encoding: 'utf8', timeout: 60000,
    env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME, NODE_OPTIONS: `--require ${hook}` },
  });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect((await readdir(join(dir, 'tree'))).length).toBe(40);
  for (let i = 0; i < 40; i++) expect(await readFile(join(dir, 'tree', `f${i}`), 'utf8')).toBe(`file ${i}\n`.repeat(i + 1));
});

// No descriptor left for a thread's own event loop (`ulimit -n 22`): its
// Worker starts, then fails by its 'error' event. A preload takes every
// descriptor while the thread sets itself up, and gives them back once it
// has failed. Before: "the spool thread failed: Worker initialization failure: EMFILE".
const NONE_FOR_THREAD = `
const fs = require('fs');
const threads = require('worker_threads');
const Worker = threads.Worker;
threads.Worker = class extends Worker {
  constructor(...args) {
    const fds = [];
    for (let i = 0; i < 100000; i++) {
      try { fds.push(fs.openSync('/dev/null', 'r')); } catch { break; }
    }
    super(...args);
    const release = () => fds.splice(0).forEach((fd) => fs.closeSync(fd));
    this.once('online', release);
    this.once('error', release);
  }
};
`;

const TOO_MANY_FILES = 'Too many open files (the open-file limit, `ulimit -n`, is too low: 64 is enough)';

function runWithNoThread(name: string, args: string[], input = ''): { status: number | null; stderr: string } {
  const hook = join(local(), `${name}.js`);
  writeFileSync(hook, NONE_FOR_THREAD);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input, encoding: 'utf8', timeout: 30000,
    env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME, NODE_OPTIONS: `--require ${hook}` },
  });
  return { status: r.status, stderr: r.stderr };
}

it('put of a pipe over SCP: says the spool thread got no descriptor for the open-file limit (exit 1), leaves nothing', async () => {
  const dir = await userDir(sshd.user, 'nofile-spool');
  const r = runWithNoThread('spool', ['put', '-q', '-O', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], 'x'.repeat(3 << 20));
  expect(r).toEqual({ status: 1, stderr: `scpipe: cannot start the spool thread: ${TOO_MANY_FILES}\n` });
  expect(await readdir(dir)).toEqual([]);
});

// A get of a parts set starts its hashing thread once the manifest is read,
// over a connection already made.
it('get of a parts set: says the hashing thread got no descriptor for the open-file limit (exit 1), leaves no --output', async () => {
  const dir = await userDir(sshd.user, 'nofile-hash');
  const put = spawnSync(process.execPath, [CLI, 'put', '-q', '--part-size', '1K', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/set`)], {
    input: 'y'.repeat(3000), encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME },
  });
  expect({ status: put.status, stderr: put.stderr }).toEqual({ status: 0, stderr: '' });
  const out = join(local(), 'out');
  const r = runWithNoThread('hash', ['get', '-q', '--output', out, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/set`)]);
  expect(r).toEqual({ status: 1, stderr: `scpipe: cannot start the hashing thread: ${TOO_MANY_FILES}\n` });
  expect(await readdir(local())).toEqual(['hash.js']);
});

// No descriptor left to read /etc/passwd with (`ulimit -n 19`), no user in
// the target and no USER: it said "uid 0 has no passwd entry", which sends
// the user looking at an entry that is there. A preload takes every
// descriptor around each passwd lookup.
const NONE_FOR_PASSWD = `
const fs = require('fs');
const os = require('os');
const userInfo = os.userInfo;
os.userInfo = function (...args) {
  const fds = [];
  for (let i = 0; i < 100000; i++) {
    try { fds.push(fs.openSync('/dev/null', 'r')); } catch { break; }
  }
  try { return userInfo.apply(this, args); } finally { fds.forEach((fd) => fs.closeSync(fd)); }
};
`;

it('a target without a user, no USER, and no descriptor to read the passwd file with: says the open-file limit (exit 255)', async () => {
  const hook = join(local(), 'none-for-passwd.js');
  await writeFile(hook, NONE_FOR_PASSWD);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: process.env.SCPIPE_TEST_HOME, NODE_OPTIONS: `--require ${hook}` };
  delete env.USER;
  delete env.LOGNAME;
  const r = spawnSync(process.execPath, [CLI, 'put', '-q', ...sshFlags(sshd, sshd.user), `${sshd.host}:f`], { input: 'data', encoding: 'utf8', timeout: 30000, env });
  expect({ status: r.status, stderr: r.stderr }).toEqual({
    status: 255,
    stderr: `scpipe: no user name to log in to ${sshd.host} as: cannot read the passwd file: ${TOO_MANY_FILES}\n`,
  });
});

// A download holds each directory it fills open (so that one swapped for a
// link is not followed), one descriptor a level. A tree deeper than a low
// hard `ulimit -n` allows then said "d0/…/d43: not written into: Too many
// open files", exit 1, where scp and earlier versions copied it. User sees
// now: exit 0, nothing on stderr; left locally: the whole tree, byte-exact;
// the deepest levels are named through the nearest directory held.
it.each([['-s'], ['-O']])('cp -r %s downloads a tree deeper than the open-file limit (a hard ulimit -n 64), whole', async (protocol) => {
  const dir = await userDir(sshd.user, `deep${protocol}`);
  const levels = Array.from({ length: 100 }, (_, i) => `d${i}`);
  for (let i = 1; i <= levels.length; i++) {
    const at = join(dir, 'deep', ...levels.slice(0, i));
    await mkdir(at, { recursive: true });
    await writeFile(join(at, 'f'), `level ${i}\n`);
  }
  const dest = join(local(), 'copy');
  const r = await runCli(['cp', '-r', protocol, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/deep`), dest], {
    wrapper: ['prlimit', '--nofile=64:64', '--'],
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  for (let i = 1; i <= levels.length; i++) {
    expect(await readFile(join(dest, ...levels.slice(0, i), 'f'), 'utf8')).toBe(`level ${i}\n`);
  }
});

// An upload held each directory it walked open while sending its entries,
// one descriptor a level: a tree deeper than a low hard `ulimit -n` allows
// said "d0/…/d43: Too many open files", exit 1 (OpenSSH's scp stops there
// too). User sees now: exit 0, nothing on stderr; left remotely: the whole
// tree, byte-exact; below the first levels a directory's names are read
// whole and it is closed before they are sent.
it.each([['-s'], ['-O']])('cp -r %s uploads a tree deeper than the open-file limit (a hard ulimit -n 64), whole', async (protocol) => {
  const dir = await userDir(sshd.user, `deep-up${protocol}`);
  const levels = Array.from({ length: 100 }, (_, i) => `d${i}`);
  for (let i = 1; i <= levels.length; i++) {
    const at = join(local(), 'deep', ...levels.slice(0, i));
    await mkdir(at, { recursive: true });
    await writeFile(join(at, 'f'), `level ${i}\n`);
  }
  const r = await runCli(['cp', '-r', protocol, ...sshFlags(sshd, sshd.user), join(local(), 'deep'), remote(sshd, sshd.user, dir)], {
    wrapper: ['prlimit', '--nofile=64:64', '--'],
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  for (let i = 1; i <= levels.length; i++) {
    expect(await readFile(join(dir, 'deep', ...levels.slice(0, i), 'f'), 'utf8')).toBe(`level ${i}\n`);
  }
});
