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
import { unbundledReason } from './bundled';
import { allowFor, caseNamed, remoteOut, type BenchCase } from './cases';
import { needsServe, startBenchServe, stopBenchServe } from './serve-cases';
import { downloadSet, downloadSource, killAll, killTree, liveProcesses, opensshArgs, rsshTarget, scpipeEnv, scpipeSsh, track, TINY_DATA, type Env } from './env';
import { interrupted, runInterruptibly } from './interrupt';
import { machine } from './machine';
import { machineBusySeconds, pollPeakMemory, reapedCpuSeconds } from './measure';
import { extraCaNote } from './node-start';
import { parseOptions, usage, type Options } from './options';
import { prewarmMemory } from './prewarm';
import { missingReferences, summarize, table, type CaseResult } from './report';
import { runRounds, TINY_REPEAT, type Measured } from './rounds';
import { makeTestFile, verifyDownload, verifyRun, writePartsSet } from './verify';

const ROOT = path.resolve(__dirname, '../../../..'); // .bench/build/scripts/bench -> the project
const MiB = 1024 * 1024;

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
// What is up and not yet removed, by clean-up step: said if a third signal stops the clean-up.
const standing = new Map<'serve' | 'relay' | 'sshd' | 'tmp', string>();

async function cleanup(): Promise<void> {
  killAll();
  await stopBenchServe();
  standing.delete('serve');
  await proxy?.close();
  standing.delete('relay');
  await sshd?.stop().catch(() => undefined);
  standing.delete('sshd');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  standing.delete('tmp');
}

const leftBehind = (): string[] => [...liveProcesses(), ...standing.values()];

async function setUp(opts: Options): Promise<Env> {
  if (!fs.existsSync(opts.cli)) throw new Error(`${opts.cli} is missing: run \`npm run build\` first`);
  const unbundled = unbundledReason(opts.cli);
  if (unbundled !== undefined) throw new Error(unbundled);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-bench-'));
  standing.set('tmp', `the temporary files in ${tmp}`);
  standing.set('sshd', 'sshd, if it started (its files in a /tmp/scpipe-test-* directory)');
  try {
    sshd = await startSshd();
    standing.set('sshd', `sshd on 127.0.0.1:${sshd.port} (its files in ${sshd.dir})`);
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
  if (opts.rtt > 0) {
    standing.set('relay', 'the latency relay in front of sshd');
    proxy = await startLatencyProxy(sshd.port, opts.rtt);
    standing.set('relay', `the latency relay on 127.0.0.1:${proxy.port}, in front of sshd`);
  }
  const port = proxy?.port ?? sshd.port;
  const env: Env = {
    sshd, opts, tmp, file, sha256, smallFile, port,
    knownHosts: proxy ? knownHostsFor(sshd, port, path.join(tmp, 'known_hosts')) : sshd.knownHostsPath,
    remoteDir: await userDir(sshd.rssh, 'bench'),
    spoolDir: fs.mkdtempSync(path.join(tmp, 'spool-')),
    home: fs.mkdtempSync(path.join(tmp, 'home-')),
  };
  if (cases.some((c) => needsServe(c.name))) {
    standing.set('serve', `scpipe serve${opts.rtt > 0 ? ' and its latency relay' : ''}`);
    env.serve = await startBenchServe(env);
    standing.set('serve', `scpipe serve on 127.0.0.1:${env.serve.port}${opts.rtt > 0 ? ' (its latency relay)' : ''}`);
  }
  const downloads = cases.filter((c) => c.kind === 'download');
  if (downloads.length) {
    fs.copyFileSync(file, downloadSource(env));
    fs.chmodSync(downloadSource(env), 0o644);
    if (downloads.some((c) => c.name.startsWith('download-parts'))) writePartsSet(file, env.remoteDir, path.basename(downloadSet(env)), opts.partSize, sha256);
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
  const finished = await runRounds(results, {
    runs: opts.runs,
    isTiny: (name) => caseNamed(name).kind === 'tiny',
    runOnce: (name, first) => runOnce(caseNamed(name), env, first),
    stopped: interrupted,
    say: (line) => console.error(line),
  });
  if (!finished) return;

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
  const failed = results.filter((r) => r.failed !== undefined);
  if (failed.length) {
    console.error(`bench: ERROR: ${failed.map((r) => `${r.name} failed ${r.failed}`).join('; ')} (the table has the runs that finished)`);
    process.exitCode = 1;
  }
}

runInterruptibly(main, cleanup, leftBehind);
