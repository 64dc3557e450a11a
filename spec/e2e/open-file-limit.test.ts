// Out of file descriptors when ssh2 is loaded (`ulimit -n 24`): Node's
// require() then says "Cannot find module 'asn1'", which is not the cause.
// A preload takes every descriptor left once the TCP connect has begun
// (where the CLI loads ssh2), so the test does not depend on how many Node holds.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, remote, sshFlags } from '../helpers/cli';
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
