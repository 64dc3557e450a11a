/**
 * scpipe's benchmark: the same random file sent with scpipe and with
 * OpenSSH through a loopback sshd's scp-only (rssh-like) account, every case
 * (cases.ts) run --runs times, interleaved, with medians, ratios of medians
 * to each case's OpenSSH counterpart, peak memory and CPU time.
 * `npm run bench -- --help` lists the options; docs/performance.md explains
 * the method (interleaving, sync, prewarm, the cipher check, CPU accounting).
 * Prints a Markdown table, and writes it with the raw numbers to
 * .bench/results.json.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { knownHostsFor, startLatencyProxy, type Proxy } from '../../testkit/latency-proxy';
import { startSshd, userDir, type TestSshd } from '../../testkit/sshd';
import { allowFor, caseNamed, remoteOut, type BenchCase } from './cases';
import { needsServe, startBenchServe, stopBenchServe } from './serve-cases';
import { downloadSet, downloadSource, killAll, killTree, opensshArgs, rsshTarget, scpipeEnv, scpipeSsh, track, TINY_DATA, type Env } from './env';
import { interrupted, runInterruptibly } from './interrupt';
import { machine } from './machine';
import { machineBusySeconds, pollPeakMemory, reapedCpuSeconds } from './measure';
import { extraCaNote } from './node-start';
import { parseOptions, usage, type Options } from './options';
import { prewarmMemory } from './prewarm';
import { missingReferences, summarize, table, type CaseResult } from './report';
import { makeTestFile, verifyDownload, verifyRun, writePartsSet } from './verify';

const ROOT = path.resolve(__dirname, '../../../..'); // .bench/build/scripts/bench -> the project
const MiB = 1024 * 1024;
/** The tiny cases take a fraction of a second: each round runs them this many times, alternating. */
const TINY_REPEAT = 4;

interface Measured { seconds: number; peakMiB?: number; clientCpu: number; otherCpu: number }

/** One timed run of a case; throws (with the commands' stderr) if anything failed. */
async function runOnce(c: BenchCase, env: Env, hash: boolean): Promise<Measured> {
  const timeoutMs = 60_000 + (env.opts.size / 1e6) * 200; // slower than 5 MB/s is broken
  // Untimed: write back what earlier runs left dirty, so no case pays for another's writeback.
  spawnSync('sync');
  // Untimed: every case starts on memory the host backs (prewarm.ts). A bulk
  // case fills up to twice --size (its spool, the remote file), a tiny one little.
  if (env.opts.prewarm) prewarmMemory(c.kind === 'tiny' ? 512 * MiB : 2 * env.opts.size + 1024 * MiB);
  await allowFor(env, c);
  const client0 = reapedCpuSeconds();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const { procs, rssPid } = c.start(env);
  const stopPoll = rssPid === undefined ? undefined : pollPeakMemory(rssPid);
  const timer = setTimeout(() => procs.forEach((p) => killTree(p.child)), timeoutMs);
  const results = await Promise.all(procs.map((p) => p.done));
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  const peakMiB = stopPoll?.();
  const clientCpu = reapedCpuSeconds() - client0;
  const otherCpu = machineBusySeconds() - busy0 - clientCpu;
  const failed = results.map((r, i) => ({ ...r, label: procs[i]!.label })).filter((r) => r.code !== 0);
  if (failed.length) {
    const why = failed.map((r) => `  ${r.label}: exit ${r.code ?? r.signal}${seconds * 1000 >= timeoutMs ? ' (killed: timeout)' : ''}\n${r.stderr.replace(/^/gm, '    ')}`);
    throw new Error(`${c.name} failed after ${seconds.toFixed(1)} s:\n${why.join('\n')}`);
  }
  await verifyRun(c, env, hash);
  return { seconds, peakMiB: c.scpipe ? peakMiB : undefined, clientCpu, otherCpu };
}

/** What each side agreed with sshd (from scpipe -v and ssh -v), for the header. */
async function negotiated(env: Env): Promise<{ scpipe: string; openssh: string }> {
  const put = track('scpipe', process.execPath, [env.opts.cli, 'put', '-v', ...scpipeSsh(env), rsshTarget(env, remoteOut(env, 'tiny'))],
    ['pipe', 'ignore', 'pipe'], scpipeEnv(env));
  put.child.stdin!.end(TINY_DATA);
  const ssh = track('ssh', 'ssh', ['-v', ...opensshArgs(env, env.sshd.user), '127.0.0.1', 'true'], ['ignore', 'ignore', 'pipe']);
  const [p, o] = await Promise.all([put.done, ssh.done]);
  const ours = /scpipe: kex (\S+), host key \S+, cipher (\S+),/.exec(p.stderr);
  const kex = /kex: algorithm: (\S+)/.exec(o.stderr);
  const cipher = /kex: client->server cipher: (\S+)/.exec(o.stderr);
  if (p.code !== 0 || !ours || o.code !== 0 || !kex || !cipher) throw new Error(`cannot tell the algorithms:\n${p.stderr}\n${o.stderr}`);
  return { scpipe: `${ours[2]}, ${ours[1]}`, openssh: `${cipher[1]}, ${kex[1]}` };
}

let sshd: TestSshd | undefined;
let proxy: Proxy | undefined;
let tmp: string | undefined;

async function cleanup(): Promise<void> {
  killAll();
  await stopBenchServe();
  await proxy?.close();
  await sshd?.stop().catch(() => undefined);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

async function setUp(opts: Options): Promise<Env> {
  if (!fs.existsSync(opts.cli)) throw new Error(`${opts.cli} is missing: run \`npm run build\` first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-bench-'));
  try {
    sshd = await startSshd();
  } catch (err) {
    throw new Error(`the bench needs root and \`sudo bash scripts/install-test-deps.sh\` run once.\n${(err as Error).message}`);
  }
  const cases = opts.cases.map(caseNamed);
  const file = path.join(tmp, 'input.bin');
  let sha256 = '';
  if (cases.some((c) => c.kind !== 'tiny')) {
    console.error(`writing ${opts.size} random bytes to ${file} ...`);
    sha256 = makeTestFile(file, opts.size);
  }
  const smallFile = path.join(tmp, 'small.bin');
  fs.writeFileSync(smallFile, TINY_DATA, { mode: 0o644 });
  if (opts.rtt > 0) proxy = await startLatencyProxy(sshd.port, opts.rtt);
  const port = proxy?.port ?? sshd.port;
  const env: Env = {
    sshd, opts, tmp, file, sha256, smallFile, port,
    knownHosts: proxy ? knownHostsFor(sshd, port, path.join(tmp, 'known_hosts')) : sshd.knownHostsPath,
    remoteDir: await userDir(sshd.rssh, 'bench'),
    spoolDir: fs.mkdtempSync(path.join(tmp, 'spool-')),
    home: fs.mkdtempSync(path.join(tmp, 'home-')),
  };
  if (cases.some((c) => needsServe(c.name))) env.serve = await startBenchServe(env);
  const downloads = cases.filter((c) => c.kind === 'download');
  if (downloads.length) {
    fs.copyFileSync(file, downloadSource(env));
    fs.chmodSync(downloadSource(env), 0o644);
    if (downloads.some((c) => c.name === 'download-parts')) writePartsSet(file, env.remoteDir, path.basename(downloadSet(env)), opts.partSize, sha256);
    for (const c of downloads) await verifyDownload(c, env);
  }
  return env;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), ROOT);
  if (!opts) {
    console.log(usage());
    return;
  }
  for (const note of missingReferences(opts.cases)) console.error(note);
  const env = await setUp(opts);
  const algorithms = await negotiated(env);
  if (algorithms.scpipe !== algorithms.openssh) console.error(`note: the sides use different algorithms (${JSON.stringify(algorithms)})`);
  const extraCa = extraCaNote(opts.extraCa);
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  const results: CaseResult[] = opts.cases.map((name) => ({ name, seconds: [], peakMiB: [], clientCpu: [], otherCpu: [] }));
  for (let run = 1; run <= opts.runs; run++) {
    // Every case once, then the tiny ones again (alternating) up to TINY_REPEAT times.
    // Each round starts at another case, so no case always follows the same one.
    const order = results.map((_, i) => results[(i + run - 1) % results.length]!);
    for (let rep = 0; rep < TINY_REPEAT; rep++) {
      for (const r of order) {
        const c = caseNamed(r.name);
        if (rep > 0 && c.kind !== 'tiny') continue;
        if (interrupted()) return; // the signal's handler is cleaning up: a new run would race it
        const m = await runOnce(c, env, run === 1);
        r.seconds.push(m.seconds);
        r.clientCpu.push(m.clientCpu);
        r.otherCpu.push(m.otherCpu);
        if (m.peakMiB !== undefined) r.peakMiB.push(m.peakMiB);
        const tiny = c.kind === 'tiny';
        const label = tiny ? `${(run - 1) * TINY_REPEAT + rep + 1}/${opts.runs * TINY_REPEAT}` : `${run}/${opts.runs}`;
        console.error(`run ${label} ${r.name}: ${m.seconds.toFixed(tiny ? 3 : 2)} s (CPU s: client ${m.clientCpu.toFixed(2)}, other ${m.otherCpu.toFixed(2)})${m.peakMiB === undefined ? '' : `, peak memory ${m.peakMiB.toFixed(0)} MiB`}`);
      }
    }
  }

  const rows = summarize(results, opts.size);
  const info = machine();
  const command = `npm run bench -- ${opts.argv.join(' ')}`.trim().replace(/ --$/, '');
  const header = [
    `Machine: ${info.nproc} CPUs (${info.cpu}), ${info.memory} RAM (${info.memoryBalloon}; ${info.damon}), ${info.kernel}; ${info.ssh}; node ${info.node}`,
    `Temporary files: ${info.tmpdir}`,
    `Size: ${opts.size} bytes (${(opts.size / MiB).toFixed(0)} MiB, random; tiny cases: ${TINY_DATA.length} bytes), runs: ${opts.runs} per case (tiny cases ${opts.runs * TINY_REPEAT}), interleaved, each round from another case, \`sync\`${opts.prewarm ? ' and prewarm' : ''} before each run; loopback sshd${opts.rtt ? ` behind a ${opts.rtt} ms RTT relay` : ''}, an rssh-like account (scp-only; its sftp subsystem opened for the SFTP cases)`,
    `Command: ${command} (scpipe: ${path.relative(ROOT, opts.cli)})`,
    `Algorithms (cipher, key exchange): scpipe ${algorithms.scpipe}; OpenSSH ${algorithms.openssh}`,
    extraCa,
    `Load average (1 min) before: ${loadBefore}, after: ${os.loadavg()[0]!.toFixed(2)}`,
  ];
  const tbl = table(rows);
  console.log(['', ...header, '', tbl].join('\n'));

  fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
  const json = { date: new Date().toISOString(), machine: info, size: opts.size, runs: opts.runs, rttMs: opts.rtt, algorithms, nodeExtraCaCerts: extraCa, command, table: tbl, cases: rows };
  fs.writeFileSync(path.join(ROOT, '.bench/results.json'), JSON.stringify(json, null, 2) + '\n');
  console.error(`wrote ${path.join(ROOT, '.bench/results.json')}`);
}

runInterruptibly(main, cleanup);
