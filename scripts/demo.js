#!/usr/bin/env node
// The quick start: runs scpipe's main job end to end on this machine, with
// nothing to set up. It starts `scpipe serve` on 127.0.0.1 over a throwaway
// root (a fresh host key, --no-auth), pipes a generated stream of unknown
// size through `scpipe put`, reads it back with `scpipe get`, compares the
// SHA-256 of both and prints the throughput. Then, where OpenSSH's scp is
// installed, fetches the same file with stock `scp` (SFTP mode) and `scp -O`
// (the SCP protocol): serve speaks both. Usage: npm run demo [-- --size 1G]
'use strict';
const { spawn } = require('node:child_process');
const { createHash, randomFillSync } = require('node:crypto');
const { createReadStream, mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const CLI = resolve(__dirname, '../dist/cli/launch.js');
const USAGE = 'usage: npm run demo [-- --size SIZE]   (SIZE: bytes, or with K, M or G; default 256M)';
const SIZE = parseArgs(process.argv.slice(2));

// --size SIZE, or --help; anything else is said, not run past: a misspelt
// option ran the whole default demo, and `--help` with it.
function parseArgs(args) {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    console.log(USAGE);
    process.exit(0);
  }
  if (args.length === 0) return parseSize('256M');
  const [option, value = '', ...rest] = args[0].startsWith('--size=') ? ['--size', args[0].slice(7), ...args.slice(1)] : args;
  if (option !== '--size' || rest.length > 0) return usageError(`unknown arguments: ${args.join(' ')}`);
  return parseSize(value) ?? usageError(`bad --size "${value}"`);
}

function usageError(problem) {
  console.error(`demo: ${problem}\n${USAGE}`);
  process.exit(2);
}

function parseSize(text) {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  return m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : undefined;
}

// What a demo stopped part-way (Ctrl-C, a kill, a crash) must not leave:
// its children, the server among them, and its directory.
const children = new Set();
let demoDir;
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
});
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.once(signal, () => {
    console.error(`demo: interrupted by ${signal}; stopped, and its files removed`);
    process.exit(128 + number);
  });
}

// `npm run demo | head -1`: the reader leaving is its choice, not a failure
// to report with a stack trace; the exit handler above still cleans up.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

function scpipe(args, env) {
  return track(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] }));
}

function exited(child) {
  return new Promise((res) => child.once('close', (code) => res(code)));
}

async function main() {
  const dir = (demoDir = mkdtempSync(join(tmpdir(), 'scpipe-demo-')));
  const env = { HOME: dir, XDG_CACHE_HOME: join(dir, 'cache') };
  const root = join(dir, 'root');
  mkdirSync(root);
  const server = track(spawn(process.execPath, [CLI, 'serve', '--root', root, '--addr', '127.0.0.1:0', '--no-auth'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  }));
  try {
    const port = await new Promise((res, rej) => {
      let log = '';
      server.stderr.on('data', (d) => {
        log += d;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) res(Number(m[1]));
      });
      server.once('exit', (code) => rej(new Error(`scpipe serve exited ${code}:\n${log}`)));
    });
    const ssh = ['-F', 'none', '-P', String(port), '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=accept-new', '-q'];
    const target = 'demo@127.0.0.1:/stream.bin';
    console.log(`scpipe serve is listening on 127.0.0.1:${port} (root ${root})`);

    // put: a stream of unknown size (a pipe), hashed as it is produced.
    const put = scpipe(['put', ...ssh, target], env);
    const sent = createHash('sha256');
    const t0 = process.hrtime.bigint();
    const block = Buffer.alloc(1 << 20);
    for (let left = SIZE; left > 0; left -= block.length) {
      const chunk = Buffer.from(randomFillSync(block).subarray(0, Math.min(left, block.length)));
      sent.update(chunk);
      if (!put.stdin.write(chunk)) await new Promise((r) => put.stdin.once('drain', r));
    }
    put.stdin.end();
    if ((await exited(put)) !== 0) throw new Error('scpipe put failed');
    const t1 = process.hrtime.bigint();

    // get: back to stdout, hashed as it arrives.
    const get = scpipe(['get', ...ssh, target], env);
    const received = createHash('sha256');
    let bytes = 0;
    get.stdout.on('data', (d) => {
      received.update(d);
      bytes += d.length;
    });
    if ((await exited(get)) !== 0) throw new Error('scpipe get failed');
    const t2 = process.hrtime.bigint();

    const mb = SIZE / 1e6;
    const secs = (a, b) => Number(b - a) / 1e9;
    const a = sent.digest('hex');
    const b = received.digest('hex');
    console.log(`put  ${(SIZE / 2 ** 20).toFixed(0)} MiB from a pipe: ${secs(t0, t1).toFixed(2)} s, ${(mb / secs(t0, t1)).toFixed(0)} MB/s`);
    console.log(`get  ${(bytes / 2 ** 20).toFixed(0)} MiB to a pipe:   ${secs(t1, t2).toFixed(2)} s, ${(mb / secs(t1, t2)).toFixed(0)} MB/s`);
    console.log(`sha256 sent     ${a}`);
    console.log(`sha256 received ${b}`);
    if (a !== b || bytes !== SIZE) throw new Error('MISMATCH: the bytes that came back differ');
    console.log('OK: identical');

    // Stock OpenSSH clients against the same server, both protocols.
    const scpArgs = ['-q', '-F', '/dev/null', '-P', String(port), '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes'];
    for (const [label, extra] of [['scp (SFTP)', []], ['scp -O (SCP)', ['-O']]]) {
      const out = join(dir, `scp${extra.length}.bin`);
      const t3 = process.hrtime.bigint();
      const scp = track(spawn('scp', [...scpArgs, ...extra, target, out], { stdio: ['ignore', 'inherit', 'inherit'] }));
      const code = await new Promise((res) => scp.once('close', res).once('error', () => res(null)));
      if (code === null) {
        console.log('(OpenSSH scp not found: skipping the stock-client part)');
        break;
      }
      if (code !== 0) throw new Error(`${label} failed with status ${code}`);
      const secsScp = secs(t3, process.hrtime.bigint());
      const same = (await hashFile(out)) === a;
      console.log(`${label.padEnd(13)} ${(SIZE / 2 ** 20).toFixed(0)} MiB to a file: ${secsScp.toFixed(2)} s, ${(mb / secsScp).toFixed(0)} MB/s, ${same ? 'identical' : 'DIFFERENT'}`);
      if (!same) throw new Error(`MISMATCH: ${label} fetched different bytes`);
    }
  } finally {
    server.kill('SIGTERM');
    await exited(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

function hashFile(path) {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => res(h.digest('hex'))).on('error', rej);
  });
}

main().catch((err) => {
  console.error(`demo failed: ${err.message}`);
  process.exit(1);
});
