// The `scpipe serve` cases: OpenSSH's own clients (`scp -O`, `sftp`, and
// `scp` in its default SFTP mode) against `scpipe serve`, each compared with
// the same client against the
// loopback sshd's rssh-like account (whose sftp subsystem is OpenSSH's
// sftp-server). serve runs over the account's directory, so uploads land
// where verify.ts checks them and downloads read the same source file; with
// --rtt it gets a relay of its own with the same delay.
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { startLatencyProxy, type Proxy } from '../../testkit/latency-proxy';
import type { BenchCase } from './cases';
import { downloadSource, opensshArgs, rsshTarget, scpipeEnv, shq, track, type Env, type Launch } from './env';

/** A running `scpipe serve` for the bench. */
export interface BenchServe {
  port: number;
  knownHosts: string;
  close(): Promise<void>;
}

let running: { child: ChildProcess; proxy?: Proxy } | undefined;

/** Starts `scpipe serve --root env.remoteDir`, the rssh account's key authorized. */
export async function startBenchServe(env: Env): Promise<BenchServe> {
  const dir = fs.mkdtempSync(path.join(env.tmp, 'serve-'));
  const hostKey = path.join(dir, 'host_key');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', hostKey]);
  fs.copyFileSync(`${env.sshd.rssh.keyPath}.pub`, path.join(dir, 'authorized_keys'));
  const child = spawn(process.execPath, [env.opts.cli, 'serve', '--root', env.remoteDir, '--addr', '127.0.0.1:0', '--host-key', hostKey,
    '--authorized-keys', path.join(dir, 'authorized_keys')], { stdio: ['ignore', 'ignore', 'pipe'], env: scpipeEnv(env) });
  // Known at once, so a Ctrl-C while it starts stops it too.
  const mine: { child: ChildProcess; proxy?: Proxy } = { child };
  running = mine;
  const servePort = await new Promise<number>((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /listening on \S+:(\d+),/.exec(log);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`scpipe serve exited ${code}:\n${log}`)));
  });
  child.stderr!.resume();
  const proxy = env.opts.rtt > 0 ? await startLatencyProxy(servePort, env.opts.rtt) : undefined;
  mine.proxy = proxy;
  if (running !== mine) {
    await proxy?.close();
    throw new Error('scpipe serve was stopped while it started');
  }
  const port = proxy?.port ?? servePort;
  const knownHosts = path.join(dir, 'known_hosts');
  const pub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}\n`);
  return { port, knownHosts, close: stopBenchServe };
}

/** Stops the serve started by startBenchServe(), if any. */
export async function stopBenchServe(): Promise<void> {
  const r = running;
  running = undefined;
  if (!r) return;
  await r.proxy?.close();
  if (r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill('SIGTERM');
    await new Promise((resolve) => r.child.once('exit', resolve));
  }
}

// OpenSSH client options for the rssh account, at sshd or at serve (ssh keeps the first value: these win).
function clientArgs(env: Env, atServe: boolean): string[] {
  const s = env.serve;
  if (atServe && !s) throw new Error('scpipe serve is not running');
  const serveArgs = atServe ? ['-o', `Port=${s!.port}`, '-o', `UserKnownHostsFile=${s!.knownHosts}`] : [];
  return ['-q', ...serveArgs, ...opensshArgs(env, env.sshd.rssh)];
}

// Paths as the client names them: sshd's account sees its directory by host path, serve as its root.
function remotePath(env: Env, atServe: boolean, file: string): string {
  return atServe ? `/${path.relative(env.remoteDir, file)}` : file;
}

/** `scp -O` (mode '-O') or `scp -s` (SFTP, OpenSSH 9's default) of the input to `out`. */
function scpUpload(env: Env, atServe: boolean, mode: '-O' | '-s'): Launch {
  const to = rsshTarget(env, remotePath(env, atServe, path.join(env.remoteDir, 'out')));
  return { procs: [track('scp', 'scp', [mode, ...clientArgs(env, atServe), env.file, to], ['ignore', 'ignore', 'pipe'])] };
}

function sftpBatch(env: Env, atServe: boolean, command: string): Launch {
  const input = `${command}\n`;
  const proc = track('sftp', 'sftp', [...clientArgs(env, atServe), '-b', '-', `${env.sshd.rssh.name}@127.0.0.1`], ['pipe', 'ignore', 'pipe']);
  proc.child.stdin!.end(input);
  return { procs: [proc] };
}

function sftpUpload(env: Env, atServe: boolean): Launch {
  return sftpBatch(env, atServe, `put ${shq(env.file)} ${shq(remotePath(env, atServe, path.join(env.remoteDir, 'out')))}`);
}

/** A download case into `out`: `scp -O`, `scp -s` or `sftp get`, from sshd or serve (scp-sftp-download-sshd: sftp-cases.ts). */
export function serveDownload(env: Env, name: string, out: string): Launch | undefined {
  const atServe = name.endsWith('-serve');
  const src = remotePath(env, atServe, downloadSource(env));
  if (name === 'scp-download-serve' || name === 'scp-sftp-download-serve') {
    const mode = name === 'scp-download-serve' ? '-O' : '-s';
    return { procs: [track('scp', 'scp', [mode, ...clientArgs(env, true), rsshTarget(env, src), out], ['ignore', 'ignore', 'pipe'])] };
  }
  if (name === 'sftp-download-sshd' || name === 'sftp-download-serve') return sftpBatch(env, atServe, `get ${shq(src)} ${shq(out)}`);
  return undefined;
}

export const SERVE_CASES: readonly BenchCase[] = [
  {
    name: 'scp-upload-serve', command: 'scp -O FILE serve:out (OpenSSH scp into scpipe serve)', reference: 'scp-file', kind: 'upload', scpipe: false,
    start: (env) => scpUpload(env, true, '-O'),
  },
  {
    name: 'scp-sftp-upload-serve', command: 'scp FILE serve:out (OpenSSH 9 scp, SFTP mode, into scpipe serve)', reference: 'scp-sftp-upload-sshd', kind: 'upload', scpipe: false,
    start: (env) => scpUpload(env, true, '-s'),
  },
  {
    name: 'sftp-upload-sshd', command: "sftp -b - host <<< 'put FILE out' (sshd's sftp-server)", reference: 'sftp-upload-sshd', kind: 'upload', scpipe: false, sftp: true,
    start: (env) => sftpUpload(env, false),
  },
  {
    name: 'sftp-upload-serve', command: "sftp -b - serve <<< 'put FILE out' (scpipe serve)", reference: 'sftp-upload-sshd', kind: 'upload', scpipe: false,
    start: (env) => sftpUpload(env, true),
  },
  {
    name: 'scp-download-serve', command: 'scp -O serve:FILE /dev/null (out of scpipe serve)', reference: 'scp-download', kind: 'download', scpipe: false,
    start: (env) => serveDownload(env, 'scp-download-serve', '/dev/null')!,
  },
  {
    name: 'scp-sftp-download-serve', command: 'scp serve:FILE /dev/null (OpenSSH 9 scp, SFTP mode, out of scpipe serve)', reference: 'scp-sftp-download-sshd', kind: 'download', scpipe: false,
    start: (env) => serveDownload(env, 'scp-sftp-download-serve', '/dev/null')!,
  },
  {
    name: 'sftp-download-sshd', command: "sftp -b - host <<< 'get FILE /dev/null' (sshd's sftp-server)", reference: 'sftp-download-sshd', kind: 'download', scpipe: false, sftp: true,
    start: (env) => serveDownload(env, 'sftp-download-sshd', '/dev/null')!,
  },
  {
    name: 'sftp-download-serve', command: "sftp -b - serve <<< 'get FILE /dev/null' (scpipe serve)", reference: 'sftp-download-sshd', kind: 'download', scpipe: false,
    start: (env) => serveDownload(env, 'sftp-download-serve', '/dev/null')!,
  },
];

/** True when a case needs `scpipe serve` running. */
export const needsServe = (name: string): boolean => name.endsWith('-serve');
