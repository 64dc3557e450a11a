// Starts `scpipe serve` (the built CLI) on 127.0.0.1 with a throwaway root,
// host key and client key, for end-to-end tests with OpenSSH's clients and
// with scpipe's own.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { CLI } from './cli';
import { runProgram, type ProgramRun } from './run-program';

export interface TestServe {
  port: number;
  dir: string;
  /** The jail root: what clients see as `/`. */
  root: string;
  /** A private key authorized on the server. */
  keyPath: string;
  knownHostsPath: string;
  hostKeyFingerprint: string;
  /** Options for OpenSSH's ssh/scp (no host). */
  sshArgs(): string[];
  /** Options for scpipe (no host). */
  scpipeArgs(): string[];
  log(): string;
  /** serve as started (restart() starts another). */
  process: ChildProcess;
  stop(): Promise<void>;
  /**
   * Stops serve (SIGTERM, or `signal`) and starts it again on the same
   * port, root, keys and state directory; log() then holds the new one's.
   */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

export async function startServe(extra: string[] = [], env: NodeJS.ProcessEnv = {}, host = '127.0.0.1'): Promise<TestServe> {
  const dir = await mkdtemp(join(tmpdir(), 'scpipe-test-serve-'));
  const root = join(dir, 'root');
  await mkdir(root);
  const hostKey = join(dir, 'host_key');
  const keyPath = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', hostKey, '-C', 'serve-host']);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', keyPath, '-C', 'serve-client']);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${keyPath}.pub`));
  // --append-only's owners of uploads in progress: in the test's directory, not serve's default (/var/lib/scpipe for root).
  const state = extra.includes('--append-only') && !extra.includes('--state-dir') ? ['--state-dir', join(dir, 'state')] : [];
  const launch = async (port: number): Promise<{ child: ChildProcess; port: number; log: () => string }> => {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--root', root, '--addr', host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, '--host-key', hostKey, '--authorized-keys', join(dir, 'authorized_keys'), ...stopAtOnce(extra), ...state, ...extra],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
    );
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const bound = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${log}`)), 15000);
      const check = (): void => {
        const m = /listening on \S+:(\d+),/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stderr!.on('data', check);
      child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${log}`)));
    });
    return { child, port: bound, log: () => log };
  };
  let running = await launch(0);
  const port = running.port;
  const pub = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/);
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, `[${host}]:${port} ${pub[0]} ${pub[1]}\n`);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const stopped = async (signal: NodeJS.Signals): Promise<void> => {
    const child = running.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((r) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
      child.kill(signal);
    });
  };
  const serve: TestServe = {
    port,
    dir,
    root,
    keyPath,
    knownHostsPath,
    hostKeyFingerprint: fingerprint,
    process: running.child,
    log: () => running.log(),
    sshArgs: () => [
      '-F', '/dev/null', '-o', `Port=${port}`, '-o', `UserKnownHostsFile=${knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', keyPath, '-o', 'User=backup',
    ],
    scpipeArgs: () => ['-F', 'none', '-P', String(port), '-i', keyPath, '-o', `UserKnownHostsFile=${knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'],
    stop: async () => {
      await stopped('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    restart: async (signal = 'SIGTERM') => {
      await stopped(signal);
      running = await launch(port);
      serve.process = running.child;
    },
  };
  return serve;
}

// stop() cuts what runs, as every test but those of the stop wants: no test
// waits for a transfer it left behind.
function stopAtOnce(extra: string[]): string[] {
  return extra.includes('--stop-timeout') ? [] : ['--stop-timeout', '0'];
}

/** OpenSSH's `sftp -b -` against `serve`, one batch command a line. */
/**
 * Registers beforeAll/afterAll in the current scope and returns the serve
 * they start (startServe's arguments). The object is filled in by
 * beforeAll, so read it inside tests and hooks only.
 */
export function servePerSuite(...args: Parameters<typeof startServe>): TestServe {
  const serve = {} as TestServe;
  let started: TestServe | undefined;
  beforeAll(async () => {
    started = await startServe(...args);
    Object.assign(serve, started);
    // The one running now: restart() starts another.
    Object.defineProperty(serve, 'process', { get: () => started!.process });
  });
  afterAll(async () => {
    await started?.stop();
  });
  return serve;
}

export const sftpBatch = (serve: TestServe, batch: string[]): Promise<ProgramRun> =>
  runProgram('sftp', ['-q', ...serve.sshArgs(), '-b', '-', '127.0.0.1'], `${batch.join('\n')}\n`);

/** An ssh2 client logged in to `s` (with `keyPath`, else its own key): for requests OpenSSH's clients do not send. */
export function ssh2Client(s: TestServe, keyPath = s.keyPath): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('ready', () => resolve(client)).on('error', reject);
    readFile(keyPath).then((privateKey) => client.connect({ host: '127.0.0.1', port: s.port, username: 'backup', privateKey }), reject);
  });
}

/** A second key (made in `dir`) authorized on `s`: its path, for a login that is not the test's own. */
export async function authorizeOtherKey(s: TestServe, dir: string): Promise<string> {
  const key = join(dir, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', key]);
  await appendFile(join(s.dir, 'authorized_keys'), await readFile(`${key}.pub`));
  return key;
}

/**
 * Empties `s`'s root between tests, by names as bytes: one that is not
 * UTF-8, read as text, would name no file, and stay for the next test.
 */
export async function emptyRoot(s: TestServe): Promise<void> {
  for (const name of await readdir(s.root, { encoding: 'buffer' })) await rm(Buffer.concat([Buffer.from(`${s.root}/`), name]), { recursive: true, force: true });
}

/** emptyRoot(), and --append-only's records, which the next start would count as of files since gone. */
export async function emptyRootAndRecords(s: TestServe): Promise<void> {
  await emptyRoot(s);
  const state = join(s.dir, 'state');
  for (const dir of await readdir(state)) for (const name of await readdir(join(state, dir))) await rm(join(state, dir, name));
}
