// What every case needs: the bench's environment, spawning and tracking the
// commands of a run, and the connection options of scpipe and OpenSSH.
import { spawn, type ChildProcess, type StdioOptions } from 'child_process';
import * as path from 'path';
import type { TestAccount, TestSshd } from '../../testkit/sshd';
import { EXTRA_CA } from './node-start';
import type { Options } from './options';
import type { BenchServe } from './serve-cases';

export interface Env {
  sshd: TestSshd;
  opts: Options;
  tmp: string;
  /** The random input file, and its SHA-256. */
  file: string;
  sha256: string;
  /** A regular file holding TINY_DATA. */
  smallFile: string;
  /** Where uploads land, and where the download source is (the rssh account's directory). */
  remoteDir: string;
  spoolDir: string;
  /** scpipe's HOME: no agent, no ~/.ssh of the user. */
  home: string;
  /** Where clients connect (sshd's port, or the latency proxy's) and the known_hosts file for it. */
  port: number;
  knownHosts: string;
  /** `scpipe serve` over remoteDir, for the serve cases. */
  serve?: BenchServe;
}

/** The 6 bytes of the start-up cases. */
export const TINY_DATA = Buffer.from('hello\n');

export interface Tracked {
  child: ChildProcess;
  label: string;
  done: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/** The processes of one run; `rssPid` is scpipe's, whose peak memory is measured. */
export interface Launch {
  procs: Tracked[];
  rssPid?: number;
}

const active = new Set<ChildProcess>();

/** Spawns a command in its own process group, collects its stderr, and remembers it for cleanup. */
export function track(label: string, cmd: string, args: string[], stdio: StdioOptions, env?: NodeJS.ProcessEnv): Tracked {
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

export function killTree(child: ChildProcess): void {
  try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
}

export function killAll(): void {
  for (const child of active) killTree(child);
}

/** The tracked processes still running, one line each (for what a stopped clean-up left). */
export function liveProcesses(): string[] {
  return [...active].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => `process ${c.pid} (${c.spawnargs.slice(0, 2).join(' ')}), in its own process group`);
}

export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `user@127.0.0.1:path` on the rssh account. */
export const rsshTarget = (env: Env, remotePath: string): string => `${env.sshd.rssh.name}@127.0.0.1:${remotePath}`;

/** -o Ciphers / KexAlgorithms, for scpipe and OpenSSH alike (none for "default"). */
export function algorithmArgs(opts: Options): string[] {
  return [
    ...(opts.cipher === 'default' ? [] : ['-o', `Ciphers=${opts.cipher}`]),
    ...(opts.kex === 'default' ? [] : ['-o', `KexAlgorithms=${opts.kex}`]),
  ];
}

/** scpipe's connection options for the rssh account (through the proxy with --rtt). */
export function scpipeSsh(env: Env): string[] {
  return ['-P', String(env.port), '-i', env.sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${env.knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-F', 'none', ...algorithmArgs(env.opts)];
}

/** OpenSSH client options for `account` (ssh keeps the first value: these win over sshArgs()'s). */
export function opensshArgs(env: Env, account: TestAccount): string[] {
  return ['-o', `Port=${env.port}`, '-o', `UserKnownHostsFile=${env.knownHosts}`, ...algorithmArgs(env.opts), ...env.sshd.sshArgs(account)];
}

/** scpipe's environment: a private HOME, no agent, NODE_EXTRA_CA_CERTS only with --extra-ca keep. */
export function scpipeEnv(env: Env): NodeJS.ProcessEnv {
  const { SSH_AUTH_SOCK: _agent, [EXTRA_CA]: extraCa, ...rest } = process.env;
  return { ...rest, HOME: env.home, ...(env.opts.extraCa && extraCa !== undefined ? { [EXTRA_CA]: extraCa } : {}) };
}

/** The source file of the download cases, on the remote side. */
export const downloadSource = (env: Env): string => path.join(env.remoteDir, 'download-src.bin');

/** The parts set of the download source (download-set.bin.000000 ... and its manifest), for download-parts. */
export const downloadSet = (env: Env): string => path.join(env.remoteDir, 'download-set.bin');
