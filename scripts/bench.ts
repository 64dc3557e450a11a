/**
 * scpipe benchmark: how long `producer | scpipe put` takes to deliver a large
 * incompressible stream to an scp-only (rssh-like) account, compared with what
 * a user would otherwise do by hand, how fast `scpipe get` pulls one back
 * compared with OpenSSH's scp, and how much memory scpipe uses doing it.
 *
 * Cases (each run --runs times, interleaved round-robin so machine noise hits
 * all of them alike; the uploaded file is verified and deleted after each run):
 *   pipe-ram         cat FILE | scpipe put --memory SIZE+64M   (stream fits in RAM)
 *   pipe-disk        cat FILE | scpipe put                     (default 64M, spills to disk)
 *   pipe-disk-openssh cat FILE | scpipe put --transport openssh (the same, over the system ssh)
 *   manual-two-pass  cat FILE | cat > SPOOL && scp -O SPOOL host:out; rm SPOOL
 *   file-stdin       scpipe put < FILE                         (regular file: no spool)
 *   scp-file         scp -O FILE host:out
 *   ssh-cat          ssh host 'cat > /dev/null' < FILE          (one pass, shell account; scale reference)
 *   download         scpipe get host:FILE > /dev/null           (ssh2 transport)
 *   download-openssh scpipe get --transport openssh host:FILE > /dev/null
 *   scp-download     scp -O host:FILE /dev/null                 (the same bytes, the same sink)
 *   tiny             printf 'hello\n' | scpipe put host:tiny     (6 bytes: start-up and handshake latency)
 *   scp-tiny         scp -O SMALLFILE host:tiny                 (the same 6 bytes from a file)
 * The downloads are checked once, untimed, into a file (size and SHA-256).
 * The tiny cases take a fraction of a second, so each round runs them
 * TINY_REPEAT times (alternating) for stable medians; they ignore --size.
 *
 * --rtt MS puts a latency proxy in front of sshd for every case: a TCP relay
 * on 127.0.0.1 inside this process that holds each chunk MS/2 in each
 * direction (in order), so a round trip costs MS more. Everything connects
 * to its port, with a known_hosts entry for it (the same host key).
 *
 * Before each run, untimed: `sync`, and a child touches twice --size plus
 * 1 GiB of memory and exits, so that every case starts on memory the host
 * backs wherever it stands in the round (scripts/bench/prewarm.ts;
 * `--prewarm off` skips it).
 *
 * scpipe runs without NODE_EXTRA_CA_CERTS (--extra-ca keep: with it, if set):
 * see scripts/bench/node-start.ts; the header says what it costs here.
 *
 * Wall time is measured around the spawned commands; scpipe's peak memory is
 * the largest resident set of its node process (/proc/<pid>/status, polled
 * every 20 ms) plus what the machine's shared memory grew meanwhile (its
 * memory file on /dev/shm: lib/spool/memory-file.ts).
 * CPU time is counted in two parts. Client: everything this process spawned
 * for the case (scpipe, or sh with its cat, scp and ssh), from this process's
 * cutime/cstime (/proc/self/stat), which grow as it reaps them. Other: the
 * machine's busy time (/proc/stat) over the run minus the client's, that is
 * sshd and the remote scp, plus the kernel's own threads (and anything else
 * running: the machine should be otherwise idle). When a run is slow and
 * "other" grew for the same bytes, the machine slowed the server side too
 * (see scripts/bench/machine.ts), not only the client.
 *
 * Needs root and a loopback sshd from spec/helpers/sshd.ts: run
 * `sudo bash scripts/install-test-deps.sh` once, and `npm run build` (for dist/).
 * Run: npm run bench [-- --size 1G --runs 5 --cases pipe-disk,manual-two-pass --rtt 20]
 * Both sides use aes128-gcm@openssh.com and curve25519-sha256 (--cipher and
 * --kex change that; `default` lets each side choose), checked and printed.
 * (--cli PATH measures another build of scpipe's dist/cli/launch.js, e.g. one made
 * with `npm run build` in a worktree of another commit; it must print the agreed
 * algorithms with -v, as builds since the Ciphers/KexAlgorithms support do.)
 * Prints a Markdown table and writes it with the raw numbers to .bench/results.json.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess, type StdioOptions } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { startSshd, userDir, type TestSshd } from '../spec/helpers/sshd';
import { parseByteSize } from '../lib/spool/size';
import { knownHostsFor, startLatencyProxy, type Proxy } from '../spec/helpers/latency-proxy';
import { machine } from './bench/machine';
import { machineBusySeconds, pollPeakMemory, reapedCpuSeconds } from './bench/measure';
import { prewarmMemory } from './bench/prewarm';
import { EXTRA_CA, extraCaNote } from './bench/node-start';

const ROOT = path.resolve(__dirname, '../../..'); // .bench/build/scripts -> project root
let CLI = path.join(ROOT, 'dist/cli/launch.js'); // --cli: another build, e.g. to compare two commits
const MiB = 1024 * 1024;
const BLOCK = 16 * MiB;
const ALL_CASES = [
  'pipe-ram', 'pipe-disk', 'pipe-disk-openssh', 'manual-two-pass', 'file-stdin', 'scp-file', 'ssh-cat', 'download', 'download-openssh', 'scp-download',
  'tiny', 'scp-tiny',
] as const;
type CaseName = (typeof ALL_CASES)[number];
/** What each case is compared with; the references are compared with themselves. */
const REFERENCE: Record<CaseName, CaseName> = {
  'pipe-ram': 'manual-two-pass', 'pipe-disk': 'manual-two-pass', 'pipe-disk-openssh': 'manual-two-pass', 'manual-two-pass': 'manual-two-pass',
  'file-stdin': 'scp-file', 'scp-file': 'scp-file', 'ssh-cat': 'ssh-cat',
  download: 'scp-download', 'download-openssh': 'scp-download', 'scp-download': 'scp-download',
  tiny: 'scp-tiny', 'scp-tiny': 'scp-tiny',
};
const SCPIPE_CASES: CaseName[] = ['pipe-ram', 'pipe-disk', 'pipe-disk-openssh', 'file-stdin', 'download', 'download-openssh', 'tiny'];
const DOWNLOADS: CaseName[] = ['download', 'download-openssh', 'scp-download'];
/** Start-up latency cases: TINY_DATA instead of the --size file, TINY_REPEAT runs per round. */
const TINY_CASES: CaseName[] = ['tiny', 'scp-tiny'];
const TINY_DATA = Buffer.from('hello\n');
const TINY_REPEAT = 4;
/** The goal for `tiny`: at most this many times `scp-tiny`'s median. */
const TINY_LIMIT = 1.3;
const RSS_SLACK_MIB = 100;
/**
 * Both sides use the same algorithms ("same cipher" in the targets): left to
 * themselves, OpenSSH's client picks chacha20-poly1305 and sntrup761x25519,
 * ssh2 aes128-gcm and curve25519. `--cipher default --kex default` lets each
 * side choose. What was agreed is checked once and printed.
 */
const DEFAULT_CIPHER = 'aes128-gcm@openssh.com';
const DEFAULT_KEX = 'curve25519-sha256';

interface Options { size: number; runs: number; cases: CaseName[]; rtt: number; cipher: string; kex: string; prewarm: boolean; extraCa: boolean; argv: string[] }
interface Env {
  sshd: TestSshd; tmp: string; file: string; sha256: string; remoteDir: string; spoolDir: string; home: string; opts: Options;
  /** A regular file holding TINY_DATA, for scp-tiny. */
  smallFile: string;
  /** Where clients connect (sshd's port, or the latency proxy's) and the known_hosts file for it. */
  port: number; knownHosts: string;
}
interface Tracked { child: ChildProcess; label: string; done: Promise<{ code: number | null; signal: string | null; stderr: string }> }
interface Launch { procs: Tracked[]; rssPid?: number }
interface CaseResult { name: CaseName; seconds: number[]; peakMiB: number[]; clientCpu: number[]; otherCpu: number[] }

// ---------------------------------------------------------------- options
function parseOptions(argv: string[]): Options {
  const opts: Options = { size: 1024 * MiB, runs: 5, cases: [...ALL_CASES], rtt: 0, cipher: DEFAULT_CIPHER, kex: DEFAULT_KEX, prewarm: true, extraCa: false, argv };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--size') opts.size = Number(parseByteSize(value));
    else if (argv[i] === '--runs') opts.runs = Number(value);
    else if (argv[i] === '--cases') opts.cases = value.split(',').map((c) => c.trim()) as CaseName[];
    else if (argv[i] === '--rtt') opts.rtt = Number(value);
    else if (argv[i] === '--cli') CLI = path.resolve(value);
    else if (argv[i] === '--cipher') opts.cipher = value;
    else if (argv[i] === '--kex') opts.kex = value;
    else if (argv[i] === '--prewarm' && (value === 'on' || value === 'off')) opts.prewarm = value === 'on';
    else if (argv[i] === '--extra-ca' && (value === 'keep' || value === 'drop')) opts.extraCa = value === 'keep';
    else throw new Error(`unknown option ${argv[i]} (use --size 1G, --runs 5, --rtt 20, --cli PATH, --cipher NAME|default, --kex NAME|default, --prewarm on|off, --extra-ca keep|drop, --cases ${ALL_CASES.join(',')})`);
    i++;
  }
  if (!(opts.size > 0) || !Number.isSafeInteger(opts.size)) throw new Error(`bad --size`);
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error(`bad --runs ${opts.runs}`);
  if (!(opts.rtt >= 0) || opts.rtt > 10_000) throw new Error(`bad --rtt ${opts.rtt} (milliseconds)`);
  const unknown = opts.cases.filter((c) => !ALL_CASES.includes(c));
  if (unknown.length) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${ALL_CASES.join(', ')}`);
  return opts;
}

// ---------------------------------------------------------------- processes
const active = new Set<ChildProcess>();

/** Spawns a command, collects its stderr, and remembers it for cleanup. */
function track(label: string, cmd: string, args: string[], stdio: StdioOptions, env?: NodeJS.ProcessEnv): Tracked {
  // Own process group, so a kill also reaches what it started (sh -> scp -> ssh).
  const child = spawn(cmd, args, { stdio, env: env ?? process.env, detached: true });
  active.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 100_000) stderr += d.toString(); });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
    child.once('error', (err) => { stderr += `spawn error: ${err.message}\n`; });
    child.once('close', (code, signal) => { active.delete(child); resolve({ code, signal, stderr }); });
  });
  return { child, label, done };
}

function killTree(child: ChildProcess): void {
  try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// ---------------------------------------------------------------- cases
/** scpipe's connection options for the rssh account (through the proxy with --rtt). */
function scpipeSsh(env: Env): string[] {
  return ['-P', String(env.port), '-i', env.sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${env.knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-F', 'none', ...algorithmArgs(env.opts)];
}

/** -o Ciphers / KexAlgorithms, for scpipe and OpenSSH alike (none for "default"). */
function algorithmArgs(opts: Options): string[] {
  return [
    ...(opts.cipher === 'default' ? [] : ['-o', `Ciphers=${opts.cipher}`]),
    ...(opts.kex === 'default' ? [] : ['-o', `KexAlgorithms=${opts.kex}`]),
  ];
}

/**
 * What each side agreed with sshd (from scpipe -v and ssh -v), for the header.
 * Asynchronous: with --rtt the latency proxy runs in this process.
 */
async function negotiated(env: Env): Promise<{ scpipe: string; openssh: string }> {
  const put = track('scpipe', process.execPath, [CLI, 'put', '-v', ...scpipeSsh(env), `${env.sshd.rssh.name}@127.0.0.1:${remoteOut(env, 'tiny')}`],
    ['pipe', 'ignore', 'pipe'], scpipeEnv(env));
  put.child.stdin!.end(TINY_DATA);
  const ssh = track('ssh', 'ssh', ['-v', ...opensshArgs(env, env.sshd.user), '127.0.0.1', 'true'], ['ignore', 'ignore', 'pipe']);
  const [p, o] = await Promise.all([put.done, ssh.done]);
  const ours = /scpipe: kex (\S+), host key \S+, cipher (\S+),/.exec(p.stderr);
  const kex = /kex: algorithm: (\S+)/.exec(o.stderr);
  const cipher = /kex: client->server cipher: (\S+)/.exec(o.stderr);
  if (p.code !== 0 || !ours || o.code !== 0 || !kex || !cipher) {
    throw new Error(`cannot tell the algorithms:\n${p.stderr}\n${o.stderr}`);
  }
  return { scpipe: `${ours[2]}, ${ours[1]}`, openssh: `${cipher[1]}, ${kex[1]}` };
}

/** The remote file a case writes (downloads write none). */
const remoteOut = (env: Env, name: CaseName) => path.join(env.remoteDir, TINY_CASES.includes(name) ? 'tiny' : 'out');

function scpipeArgs(env: Env, extra: string[], name: CaseName): string[] {
  return [CLI, 'put', '-q', ...extra, '--spool-dir', env.spoolDir, ...scpipeSsh(env),
    `${env.sshd.rssh.name}@127.0.0.1:${remoteOut(env, name)}`];
}

/** OpenSSH client options for `account` (ssh keeps the first value: ours win over sshArgs()'s). */
function opensshArgs(env: Env, account: TestSshd['rssh']): string[] {
  return ['-o', `Port=${env.port}`, '-o', `UserKnownHostsFile=${env.knownHosts}`, ...algorithmArgs(env.opts), ...env.sshd.sshArgs(account)];
}

const downloadSource = (env: Env) => path.join(env.remoteDir, 'download-src.bin');

function scpipeGetArgs(env: Env, name: CaseName): string[] {
  const transport = name === 'download-openssh' ? ['--transport', 'openssh'] : [];
  return [CLI, 'get', '-q', ...transport, ...scpipeSsh(env), `${env.sshd.rssh.name}@127.0.0.1:${downloadSource(env)}`];
}

/** Starts a download case with its output going to `out` (a path opened for writing). */
function startDownload(env: Env, name: CaseName, out: string): Launch {
  const fd = fs.openSync(out, 'w');
  try {
    if (name === 'scp-download') {
      // scp's sink opens the target itself: give it the same path (docs/protocol.md §4.3: /dev/null is never truncated).
      const scp = ['-O', '-q', ...opensshArgs(env, env.sshd.rssh), `${env.sshd.rssh.name}@127.0.0.1:${downloadSource(env)}`, out];
      return { procs: [track('scp', 'scp', scp, ['ignore', 'ignore', 'pipe'])] };
    }
    const node = track('scpipe', process.execPath, scpipeGetArgs(env, name), ['ignore', fd, 'pipe'], scpipeEnv(env));
    return { procs: [node], rssPid: node.child.pid };
  } finally {
    fs.closeSync(fd);
  }
}

function scpipeEnv(env: Env): NodeJS.ProcessEnv {
  const { SSH_AUTH_SOCK: _agent, [EXTRA_CA]: extraCa, ...rest } = process.env;
  return { ...rest, HOME: env.home, ...(env.opts.extraCa && extraCa !== undefined ? { [EXTRA_CA]: extraCa } : {}) };
}

function pipeIntoScpipe(env: Env, extra: string[], name: CaseName, source = env.file): Launch {
  // A real pipe, as from a shell (`producer | scpipe put`): Node's 'pipe'
  // stdio is a socketpair, which behaves differently. The FIFO's read end is
  // opened first (non-blocking, so the open returns), then cat's write end.
  const fifo = path.join(env.tmp, 'stdin.fifo');
  if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
  try {
    const cat = track('cat', 'cat', [source], ['ignore', writer, 'pipe']);
    const node = track('scpipe', process.execPath, scpipeArgs(env, extra, name), [reader, 'ignore', 'pipe'], scpipeEnv(env));
    return { procs: [cat, node], rssPid: node.child.pid };
  } finally {
    fs.closeSync(reader);
    fs.closeSync(writer);
  }
}

function fromFile(env: Env, label: string, cmd: string, args: string[], envVars?: NodeJS.ProcessEnv): Tracked {
  const fd = fs.openSync(env.file, 'r');
  try {
    return track(label, cmd, args, [fd, 'ignore', 'pipe'], envVars);
  } finally {
    fs.closeSync(fd);
  }
}

function launch(name: CaseName, env: Env): Launch {
  const { sshd, opts } = env;
  const remote = `${sshd.rssh.name}@127.0.0.1:${remoteOut(env, name)}`;
  const scp = ['scp', '-O', '-q', ...opensshArgs(env, sshd.rssh)];
  switch (name) {
    case 'pipe-ram': return pipeIntoScpipe(env, ['--memory', String(opts.size + 64 * MiB)], name);
    case 'pipe-disk': return pipeIntoScpipe(env, [], name);
    case 'pipe-disk-openssh': return pipeIntoScpipe(env, ['--transport', 'openssh'], name);
    case 'manual-two-pass': {
      const spool = path.join(env.tmp, 'manual-spool');
      // The stream reaches `cat > spool` through a pipe, as it reaches scpipe
      // (`producer | cat > spool`): `cat | cat > spool` takes ~0.5 s/GiB here, more than reading the file.
      const script = `cat ${shq(env.file)} | cat > ${shq(spool)} && ${[...scp, spool, remote].map(shq).join(' ')}; s=$?; rm -f ${shq(spool)}; exit $s`;
      return { procs: [track('sh', 'sh', ['-c', script], ['ignore', 'ignore', 'pipe'])] };
    }
    case 'file-stdin': {
      const node = fromFile(env, 'scpipe', process.execPath, scpipeArgs(env, [], name), scpipeEnv(env));
      return { procs: [node], rssPid: node.child.pid };
    }
    case 'tiny': return pipeIntoScpipe(env, [], name, env.smallFile); // `printf 'hello\n' | scpipe put`
    case 'scp-tiny': return { procs: [track('scp', scp[0], [...scp.slice(1), env.smallFile, remote], ['ignore', 'ignore', 'pipe'])] };
    case 'scp-file': return { procs: [track('scp', scp[0], [...scp.slice(1), env.file, remote], ['ignore', 'ignore', 'pipe'])] };
    case 'ssh-cat': return { procs: [fromFile(env, 'ssh', 'ssh', [...opensshArgs(env, sshd.user), '127.0.0.1', 'cat > /dev/null'])] };
    case 'download':
    case 'download-openssh':
    case 'scp-download':
      return startDownload(env, name, '/dev/null');
  }
}

/** One timed run of a case; throws (with the commands' stderr) if anything failed. */
async function runOnce(name: CaseName, env: Env, verifyHash: boolean): Promise<{ seconds: number; peakMiB?: number; clientCpu: number; otherCpu: number }> {
  const timeoutMs = 60_000 + (env.opts.size / 1e6) * 200; // slower than 5 MB/s is broken
  // Untimed: write back what earlier runs left dirty, so no case pays for
  // another's writeback (it competes for both CPUs, up to 1.2 GB/s here).
  spawnSync('sync');
  // Untimed: every case starts on memory the host backs (scripts/bench/prewarm.ts).
  // A bulk case fills up to twice --size (its spool, the remote file), a tiny one little.
  if (env.opts.prewarm) prewarmMemory(TINY_CASES.includes(name) ? 512 * MiB : 2 * env.opts.size + 1024 * MiB);
  const client0 = reapedCpuSeconds();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const { procs, rssPid } = launch(name, env);
  const stopPoll = rssPid === undefined ? undefined : pollPeakMemory(rssPid);
  const timer = setTimeout(() => procs.forEach((p) => killTree(p.child)), timeoutMs);
  const results = await Promise.all(procs.map((p) => p.done));
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  const peakMiB = stopPoll?.();
  const clientCpu = reapedCpuSeconds() - client0;
  const otherCpu = machineBusySeconds() - busy0 - clientCpu;
  const failed = results.map((r, i) => ({ ...r, label: procs[i].label })).filter((r) => r.code !== 0);
  if (failed.length) {
    const why = failed.map((r) => `  ${r.label}: exit ${r.code ?? r.signal}${seconds * 1000 >= timeoutMs ? ' (killed: timeout)' : ''}\n${r.stderr.replace(/^/gm, '    ')}`);
    throw new Error(`${name} failed after ${seconds.toFixed(1)} s:\n${why.join('\n')}`);
  }
  if (TINY_CASES.includes(name)) verifyTiny(name, env);
  else if (name !== 'ssh-cat' && !DOWNLOADS.includes(name)) await verifyRemote(name, env, verifyHash);
  return { seconds, peakMiB, clientCpu, otherCpu };
}

/** One untimed download into a file: it must be the source, byte for byte. */
async function verifyDownload(name: CaseName, env: Env): Promise<void> {
  const out = path.join(env.tmp, `verify-${name}.bin`);
  try {
    const { procs } = startDownload(env, name, out);
    const results = await Promise.all(procs.map((p) => p.done));
    const bad = results.find((r) => r.code !== 0);
    if (bad) throw new Error(`${name} (verification run) failed: exit ${bad.code ?? bad.signal}\n${bad.stderr}`);
    const size = fs.statSync(out).size;
    if (size !== env.opts.size) throw new Error(`${name}: downloaded ${size} bytes, expected ${env.opts.size}`);
    const sum = await sha256File(out);
    if (sum !== env.sha256) throw new Error(`${name}: downloaded SHA-256 ${sum} differs from the source's ${env.sha256}`);
  } finally {
    fs.rmSync(out, { force: true });
  }
}

function verifyTiny(name: CaseName, env: Env): void {
  const out = remoteOut(env, name);
  const got = fs.readFileSync(out);
  if (!got.equals(TINY_DATA)) throw new Error(`${name}: remote file ${out} holds ${JSON.stringify(got.toString())}, expected ${JSON.stringify(TINY_DATA.toString())}`);
  fs.rmSync(out);
}

async function verifyRemote(name: CaseName, env: Env, verifyHash: boolean): Promise<void> {
  const out = path.join(env.remoteDir, 'out');
  const st = fs.statSync(out, { throwIfNoEntry: false });
  if (!st) throw new Error(`${name}: exited 0 but the remote file ${out} does not exist`);
  if (st.size !== env.opts.size) throw new Error(`${name}: remote file has ${st.size} bytes, expected ${env.opts.size}`);
  if (verifyHash) {
    const sum = await sha256File(out);
    if (sum !== env.sha256) throw new Error(`${name}: remote SHA-256 ${sum} differs from the source's ${env.sha256}`);
  }
  fs.rmSync(out);
  const left = fs.readdirSync(env.spoolDir);
  if (left.length) {
    console.error(`warning: ${name} left ${left.join(', ')} in the spool dir; removed`);
    for (const f of left) fs.rmSync(path.join(env.spoolDir, f), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- test file
function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file, { highWaterMark: BLOCK }).on('error', reject)
      .on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex')));
  });
}

/** Writes `size` random bytes to `file`; returns their SHA-256. */
function makeTestFile(file: string, size: number): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    for (let left = size; left > 0; left -= BLOCK) {
      const block = crypto.randomBytes(Math.min(BLOCK, left));
      hash.update(block);
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------- report
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function summarize(results: CaseResult[], size: number) {
  const bytes = (name: CaseName) => (TINY_CASES.includes(name) ? TINY_DATA.length : size);
  const med = new Map(results.map((r) => [r.name, median(r.seconds)]));
  const secs = new Map(results.map((r) => [r.name, r.seconds]));
  // The median of the per-round ratios (the runs of a and b alternate, so
  // each pair shares the machine's state); the ratio of medians otherwise.
  const ratio = (a: CaseName, b: CaseName): number | undefined => {
    const x = secs.get(a)!;
    const y = secs.get(b);
    if (!y) return undefined;
    if (x.length !== y.length) return med.get(a)! / med.get(b)!;
    return median(x.map((v, i) => v / y[i]!));
  };
  const bulkUpload = (name: CaseName) => !TINY_CASES.includes(name) && !DOWNLOADS.includes(name);
  return results.map((r) => ({
    case: r.name,
    medianSeconds: med.get(r.name)!,
    mbPerSecond: bytes(r.name) / 1e6 / med.get(r.name)!,
    reference: REFERENCE[r.name],
    vsReference: ratio(r.name, REFERENCE[r.name]),
    vsSshCat: bulkUpload(r.name) ? ratio(r.name, 'ssh-cat') : undefined,
    medianPeakRssMiB: r.peakMiB.length ? median(r.peakMiB) : undefined,
    maxPeakRssMiB: r.peakMiB.length ? Math.max(...r.peakMiB) : undefined,
    medianClientCpuSeconds: median(r.clientCpu),
    medianOtherCpuSeconds: median(r.otherCpu),
    minSeconds: Math.min(...r.seconds),
    maxSeconds: Math.max(...r.seconds),
    seconds: r.seconds,
    peakRssMiB: r.peakMiB,
    clientCpuSeconds: r.clientCpu,
    otherCpuSeconds: r.otherCpu,
  }));
}
type Row = ReturnType<typeof summarize>[number];

function table(rows: Row[]): string {
  const f = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));
  const lines = [
    '| case | median s | MB/s | vs reference | vs ssh-cat | median peak memory MiB (RSS + shm) | min–max s | CPU s: client / other |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ref = r.vsReference === undefined ? '–' : `${f(r.vsReference, 2)}× ${r.reference === r.case ? '(ref)' : r.reference}`;
    const secondsDigits = TINY_CASES.includes(r.case) ? 3 : 2; // a tiny run is ~0.1-0.3 s
    lines.push(`| ${r.case} | ${f(r.medianSeconds, secondsDigits)} | ${TINY_CASES.includes(r.case) ? '–' : f(r.mbPerSecond, 0)} | ${ref} | ${r.vsSshCat === undefined ? '–' : `${f(r.vsSshCat, 2)}×`} | ${f(r.medianPeakRssMiB, 0)} | ${f(r.minSeconds, secondsDigits)}–${f(r.maxSeconds, secondsDigits)} | ${f(r.medianClientCpuSeconds, 2)} / ${f(r.medianOtherCpuSeconds, 2)} |`);
  }
  return lines.join('\n');
}

function targets(rows: Row[], size: number, rtt: number): string[] {
  const get = (n: CaseName) => rows.find((r) => r.case === n);
  const out: string[] = [];
  // Issue #5's time targets, as ratios to each case's reference in the same run.
  const timeLimits: [CaseName, number][] = [
    ['pipe-disk', 1.0],
    ['pipe-ram', 0.9],
    ['file-stdin', 1.05],
    ['download', rtt > 0 ? 0.5 : 1.0],
    ['tiny', TINY_LIMIT],
  ];
  for (const [n, limit] of timeLimits) {
    const r = get(n);
    if (r?.vsReference === undefined) continue;
    out.push(`${r.vsReference <= limit ? 'PASS' : 'FAIL'}: ${n} time ${r.vsReference.toFixed(2)}× ${r.reference} (target ≤ ${limit.toFixed(2)}×)`);
  }
  for (const [n, limitMiB] of [['pipe-disk', 64], ['pipe-ram', size / MiB + 64]] as const) {
    const r = get(n);
    if (r?.maxPeakRssMiB === undefined) continue;
    const max = limitMiB + RSS_SLACK_MIB;
    out.push(`${r.maxPeakRssMiB <= max ? 'PASS' : 'FAIL'}: ${n} peak memory ${r.maxPeakRssMiB.toFixed(0)} MiB (RSS + shm, max of runs) ≤ --memory ${limitMiB.toFixed(0)} MiB + ${RSS_SLACK_MIB} MiB = ${max.toFixed(0)} MiB`);
  }
  return out;
}

// ---------------------------------------------------------------- main
let sshd: TestSshd | undefined;
let tmp: string | undefined;
let proxy: Proxy | undefined;

async function cleanup(): Promise<void> {
  for (const child of active) killTree(child);
  await proxy?.close();
  await sshd?.stop().catch(() => undefined);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  // sshd.ts finds its rssh wrapper source relative to itself; give the compiled copy one too.
  try {
    const fixtures = path.join(__dirname, '../spec/fixtures');
    fs.mkdirSync(fixtures, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'spec/fixtures/rssh-wrapper.c'), path.join(fixtures, 'rssh-wrapper.c'));
  } catch { /* startSshd() reports what is missing */ }

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-bench-'));
  try {
    sshd = await startSshd();
  } catch (err) {
    throw new Error(`startSshd() failed: the benchmark needs root and \`sudo bash scripts/install-test-deps.sh\` run once.\n${(err as Error).message}`);
  }
  const file = path.join(tmp, 'input.bin');
  let sha256 = '';
  if (opts.cases.some((c) => !TINY_CASES.includes(c))) {
    console.error(`writing ${opts.size} random bytes to ${file} ...`);
    sha256 = makeTestFile(file, opts.size);
  }
  const smallFile = path.join(tmp, 'small.bin');
  fs.writeFileSync(smallFile, TINY_DATA, { mode: 0o644 });
  if (opts.rtt > 0) proxy = await startLatencyProxy(sshd.port, opts.rtt);
  const port = proxy?.port ?? sshd.port;
  const env: Env = {
    sshd, tmp, file, sha256, opts, port, smallFile,
    knownHosts: proxy ? knownHostsFor(sshd, port, path.join(tmp, 'known_hosts')) : sshd.knownHostsPath,
    remoteDir: await userDir(sshd.rssh, 'bench'),
    spoolDir: fs.mkdtempSync(path.join(tmp, 'spool-')),
    home: fs.mkdtempSync(path.join(tmp, 'home-')),
  };
  if (opts.cases.some((c) => DOWNLOADS.includes(c))) {
    fs.copyFileSync(file, downloadSource(env));
    fs.chmodSync(downloadSource(env), 0o644);
    for (const name of opts.cases.filter((c) => DOWNLOADS.includes(c))) await verifyDownload(name, env);
  }

  const algorithms = await negotiated(env);
  const extraCa = extraCaNote(opts.extraCa);
  if (algorithms.scpipe !== algorithms.openssh) console.error(`note: the sides use different algorithms (${JSON.stringify(algorithms)})`);
  const loadBefore = os.loadavg()[0].toFixed(2);
  const results: CaseResult[] = opts.cases.map((name) => ({ name, seconds: [], peakMiB: [], clientCpu: [], otherCpu: [] }));
  for (let run = 1; run <= opts.runs; run++) {
    // Every case once, then the tiny ones again (alternating) up to TINY_REPEAT times.
    // Each round starts at another case, so no case always follows the same one.
    const order = results.map((_, i) => results[(i + run - 1) % results.length]!);
    for (let rep = 0; rep < TINY_REPEAT; rep++) {
      for (const r of order) {
        const tiny = TINY_CASES.includes(r.name);
        if (rep > 0 && !tiny) continue;
        const { seconds, peakMiB, clientCpu, otherCpu } = await runOnce(r.name, env, run === 1);
        r.seconds.push(seconds);
        r.clientCpu.push(clientCpu);
        r.otherCpu.push(otherCpu);
        if (peakMiB !== undefined && SCPIPE_CASES.includes(r.name)) r.peakMiB.push(peakMiB);
        const label = tiny ? `${(run - 1) * TINY_REPEAT + rep + 1}/${opts.runs * TINY_REPEAT}` : `${run}/${opts.runs}`;
        console.error(`run ${label} ${r.name}: ${seconds.toFixed(tiny ? 3 : 2)} s (CPU s: client ${clientCpu.toFixed(2)}, other ${otherCpu.toFixed(2)})${peakMiB === undefined ? '' : `, peak memory ${peakMiB.toFixed(0)} MiB`}`);
      }
    }
  }

  const rows = summarize(results, opts.size);
  const info = machine();
  const command = `npm run bench -- ${opts.argv.join(' ')}`.trim().replace(/ --$/, '');
  const header = [
    `Machine: ${info.nproc} CPUs (${info.cpu}), ${info.memory} RAM (${info.memoryBalloon}; ${info.damon}), ${info.kernel}; ${info.ssh}; node ${info.node}`,
    `Size: ${opts.size} bytes (${(opts.size / MiB).toFixed(0)} MiB, random; tiny cases: ${TINY_DATA.length} bytes), runs: ${opts.runs} per case (tiny cases ${opts.runs * TINY_REPEAT}), interleaved, each round from another case, \`sync\` before each run; ratios are medians of per-round ratios; loopback sshd${opts.rtt ? ` behind a ${opts.rtt} ms RTT proxy` : ''}, target an rssh-like scp-only account`,
    `Command: ${command} (scpipe: ${path.relative(ROOT, CLI)})`,
    `Algorithms (cipher, key exchange): scpipe ${algorithms.scpipe}; OpenSSH ${algorithms.openssh}`,
    extraCa,
    `Load average (1 min) before: ${loadBefore}, after: ${os.loadavg()[0].toFixed(2)}`,
  ];
  const tbl = table(rows);
  const goals = targets(rows, opts.size, opts.rtt);
  console.log(['', ...header, '', tbl, '', ...goals].join('\n'));

  fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
  const json = { date: new Date().toISOString(), machine: info, size: opts.size, runs: opts.runs, rttMs: opts.rtt, algorithms, nodeExtraCaCerts: extraCa, command, table: tbl, targets: goals, cases: rows };
  fs.writeFileSync(path.join(ROOT, '.bench/results.json'), JSON.stringify(json, null, 2) + '\n');
  console.error(`wrote ${path.join(ROOT, '.bench/results.json')}`);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

main().then(
  () => cleanup(),
  async (err: unknown) => {
    console.error(`bench: ERROR: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
