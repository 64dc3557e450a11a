// A reconnection after a lost connection that reaches another server (another
// host key) where no known_hosts file could keep the first one
// (UserKnownHostsFile=/dev/null, or a file it cannot write) under
// StrictHostKeyChecking=accept-new. ssh would never meet the second key in
// one run; scpipe, which reconnects, took it as a new host, silently, and
// finished the upload on it (exit 0). It is now refused as a changed key.
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { put } from '../../lib';

const first = sshdPerSuite();
const second = sshdPerSuite();

it('accept-new with /dev/null for known_hosts: a retry that meets another host key is refused, exit 255', async () => {
  // The second server lets in the first one's key, so only its host key differs.
  await appendFile(join(second.dir, 'authorized_keys', second.rssh.name), `${first.rssh.publicKey}\n`);
  const dir = await userDir(first.rssh, 'host-key');
  const file = join(dir, 'f.bin');
  const flag = join(dir, 'second');
  // A ProxyCommand that reaches the second server once `flag` exists: the same name and port, another machine.
  const proxy = join(dir, 'proxy.js');
  await writeFile(proxy, `const fs = require('fs'); const port = fs.existsSync(${JSON.stringify(flag)}) ? ${second.port} : ${first.port}; const s = require('net').connect(port, '127.0.0.1'); s.on('error', () => process.exit(1)); process.stdin.pipe(s); s.pipe(process.stdout);\n`);
  const flags = ['-P', String(first.port), '-i', first.rssh.keyPath, '-o', 'UserKnownHostsFile=/dev/null', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-F', 'none', '-o', `ProxyCommand=${process.execPath} ${proxy}`];
  const run = startCli(['put', ...flags, '-O', '-l', '8000', remote(first, first.rssh, `${remotePath(first.rssh, dir)}/f.bin`)], { stdin: randomBytes(8 * 1024 * 1024), timeoutMs: 60_000 });
  await waitFor(async () => ((await stat(file).catch(() => undefined))?.size ?? 0) > 0, 'bytes in the remote file', 30_000);
  await dropConnections(first);
  await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
  await writeFile(flag, '');
  const r = await run.done;
  expect(r.stderr).toContain(`REMOTE HOST IDENTIFICATION HAS CHANGED for [127.0.0.1]:${first.port}: it sent ssh-ed25519 key ${second.hostKeyFingerprint}, not the ssh-ed25519 key ${first.hostKeyFingerprint} this run accepted at its first connection`);
  expect(r.status).toBe(255);
  expect(r.stderr.match(/; retry \d of 5 in/g)).toHaveLength(1);
  expect((await stat(file)).size).toBeLessThan(8 * 1024 * 1024);
  expect((await readFile(join(second.dir, 'rssh.log'), 'utf8'))).toBe('');
  await rm(flag);
});

// The key is held for one run only: a program that reuses one options object
// for its nightly put() was refused ("REMOTE HOST IDENTIFICATION HAS
// CHANGED … this run accepted at its first connection") once the server was
// reinstalled, where ssh with /dev/null for known_hosts takes each new key.
// Library caller sees: both puts resolve. Left: f1 on the first server, f2 on the second.
it('accept-new with /dev/null for known_hosts: a later put() with the same options object takes the new key', async () => {
  await appendFile(join(second.dir, 'authorized_keys', second.user.name), `${first.user.publicKey}\n`);
  const dir = await userDir(first.user, 'later-run');
  const flag = join(dir, 'second');
  const proxy = join(dir, 'proxy.js');
  await writeFile(proxy, `const fs = require('fs'); const port = fs.existsSync(${JSON.stringify(flag)}) ? ${second.port} : ${first.port}; const s = require('net').connect(port, '127.0.0.1'); s.on('error', () => process.exit(1)); process.stdin.pipe(s); s.pipe(process.stdout);\n`);
  const target = {
    host: '127.0.0.1', port: first.port, user: first.user.name, identityFiles: [first.user.keyPath], configFile: 'none',
    options: ['UserKnownHostsFile=/dev/null', 'GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=accept-new', 'BatchMode=yes', `ProxyCommand=${process.execPath} ${proxy}`],
    warn: () => undefined,
  };
  const away = await userDir(second.user, 'later-run');
  await put(target, `${dir}/f1`, Buffer.from('one'));
  await writeFile(flag, '');
  await put(target, `${away}/f2`, Buffer.from('two'));
  expect(await readFile(join(dir, 'f1'), 'utf8')).toBe('one');
  expect(await readFile(join(away, 'f2'), 'utf8')).toBe('two');
});
