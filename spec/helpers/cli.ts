// Runs the built CLI (dist/cli/launch.js, the package's bin) as a user would, with a private HOME
// so the developer's ~/.ssh never leaks into a test, and a bound on time.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { TestAccount, TestSshd } from './sshd';
import { knownHostsFor } from '../../testkit/latency-proxy';

export const CLI = resolve(__dirname, '../../dist/cli/launch.js');

/**
 * The environment of a run where someone could be asked (an SSH_ASKPASS
 * program, never run where the keys suffice), as at a terminal: with no
 * terminal and none, scpipe asks nothing and bounds logins as under BatchMode.
 */
export const SOMEONE_TO_ASK: NodeJS.ProcessEnv = { SSH_ASKPASS: '/bin/false', SSH_ASKPASS_REQUIRE: 'force' };

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** What the CLI has written to stderr so far. */
  stderr(): string;
}

export interface CliOptions {
  /** Bytes or a stream for stdin (use runCliWithFile for `< file`). */
  stdin?: Buffer | string | Readable;
  env?: NodeJS.ProcessEnv;
  /** Working directory (default: the test's). */
  cwd?: string;
  timeoutMs?: number;
  /** Run as this user (the tests run as root, whom no directory mode stops). */
  user?: { uid: number; gid: number };
  /** A command that runs the CLI as its last arguments (`unshare -m sh -c '…; exec "$@"' sh`). */
  wrapper?: string[];
}

// Made once per test run by spec/global-setup.js (and removed by its teardown).
function privateHome(): string {
  const home = process.env.SCPIPE_TEST_HOME;
  if (!home) throw new Error('SCPIPE_TEST_HOME is not set: run the tests through jest (jest.config.js globalSetup)');
  return home;
}

/** Starts `scpipe args...`; `done` settles when it exits (killed after timeoutMs). */
export function startCli(args: string[], opts: CliOptions = {}): CliRun {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
  const [command, ...argv] = [...(opts.wrapper ?? []), process.execPath, CLI, ...args];
  const child = spawn(command!, argv, {
    env: { ...env, HOME: privateHome(), ...opts.env },
    cwd: opts.cwd,
    uid: opts.user?.uid,
    gid: opts.user?.gid,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const started = Date.now();
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.setEncoding('utf8'); // a character split between two reads stays whole
  child.stderr!.on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined); // the CLI may exit before reading all of it
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolvePromise) => {
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout: Buffer.concat(out), stderr, ms: Date.now() - started });
    });
  });
  if (Buffer.isBuffer(opts.stdin) || typeof opts.stdin === 'string') child.stdin!.end(opts.stdin);
  else if (opts.stdin) {
    const input = opts.stdin;
    input.pipe(child.stdin!);
    child.once('close', () => input.destroy());
  } else child.stdin!.end();
  return { child, done, stderr: () => stderr };
}

/** An input that never ends: 1 MiB chunks, as fast as the reader takes them (and no faster). */
export function endlessInput(): Readable {
  const chunk = Buffer.alloc(1 << 20);
  return new Readable({
    read() {
      this.push(chunk);
    },
  });
}

/** Runs `scpipe args...` to completion. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** Words quoted for sh. */
export function shellQuote(words: string[]): string {
  return words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * Runs `sh -c pipeline` on a pseudo-terminal (script(1)), with the private
 * HOME and no agent, killed after timeoutMs; resolves its status and the
 * terminal's output (stdout and stderr together).
 */
export function runOnTerminal(pipeline: string, opts: { timeoutMs?: number } = {}): Promise<{ status: number | null; out: string }> {
  const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
  return new Promise((resolvePromise) => {
    const child = spawn('script', ['-qec', pipeline, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, HOME: privateHome() } });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.stderr.on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, out });
    });
  });
}

/**
 * Runs the CLI with stdin redirected from a file (a real `< file`, via sh;
 * `skip`: that many bytes read first by dd, so the file offset starts past
 * 0), or with `catPipe` fed by `cat file |` (a real pipe).
 */
export function runCliWithFile(args: string[], file: string, opts: CliOptions & { catPipe?: boolean; skip?: number } = {}): Promise<CliResult> {
  const quoted = shellQuote([CLI, ...args]);
  const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
  const command = `${shellQuote([process.execPath])} ${quoted}`;
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const skip = opts.skip ? `dd bs=${opts.skip} count=1 status=none of=/dev/null; ` : '';
    const child = spawn('/bin/sh', ['-c', opts.catPipe ? `cat ${shellQuote([file])} | ${command}` : `(${skip}exec ${command}) < ${shellQuote([file])}`], {
      env: { ...env, HOME: privateHome(), ...opts.env },
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout: Buffer.concat(out), stderr, ms: Date.now() - started });
    });
  });
}

/** The options that point scpipe at the test sshd as `account` (with `keyPath`, e.g. sshd.wrongKeyPath). */
export function sshFlags(sshd: TestSshd, account: TestAccount, extra: string[] = [], keyPath = account.keyPath): string[] {
  return [
    '-P', String(sshd.port),
    '-i', keyPath,
    '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-F', 'none',
    ...extra,
  ];
}

/**
 * Options (sshFlags()'s, serve's scpipeArgs()) as a command a message gives
 * to paste carries them: -P, each -i, each -o, -F, in that order; plain words unquoted.
 */
export function pastedFlags(flags: string[]): string {
  const by = (letter: string): string[] => flags.flatMap((f, i) => (f === letter && i + 1 < flags.length ? [letter, flags[i + 1]!] : []));
  const words = [...by('-P'), ...by('-i'), ...by('-o'), ...by('-F')];
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'"'"'`)}'`)).join(' ');
}

/** sshFlags() through a proxy or relay on `port` in front of `sshd`, with a known_hosts at `knownHosts` naming it. */
export function sshFlagsVia(sshd: TestSshd, port: number, knownHosts: string, account: TestAccount, extra: string[] = []): string[] {
  return sshFlags({ ...sshd, port, knownHostsPath: knownHostsFor(sshd, port, knownHosts) }, account, extra);
}

/**
 * For a run as `as` (any uid but root's): a home of its own in `dir` (made
 * 0755), holding `account`'s key and the sshd's known_hosts, and sshFlags()
 * that use them.
 */
export async function homeOf(as: TestAccount, dir: string, sshd: TestSshd, account: TestAccount): Promise<{ home: string; flags: string[] }> {
  await chmod(dir, 0o755);
  const home = join(dir, 'home');
  await mkdir(home);
  await writeFile(join(home, 'key'), await readFile(account.keyPath), { mode: 0o600 });
  await writeFile(join(home, 'known_hosts'), await readFile(sshd.knownHostsPath));
  for (const p of [home, join(home, 'key'), join(home, 'known_hosts')]) await chown(p, as.uid, as.gid);
  return { home, flags: sshFlags({ ...sshd, knownHostsPath: join(home, 'known_hosts') }, account, [], join(home, 'key')) };
}

/** `user@127.0.0.1:path`. */
export function remote(sshd: TestSshd, account: TestAccount, path: string): string {
  return `${account.name}@${sshd.host}:${path}`;
}

/** `data` cut into `size`-byte chunks, for a stdin that arrives in pieces. */
export function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}
