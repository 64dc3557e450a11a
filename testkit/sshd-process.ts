// Starting and stopping a test sshd process: a free port, a bounded wait
// until it listens, a bounded kill, and the processes it left.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs/promises';
import { readFileSync, readdirSync } from 'fs';
import * as net from 'net';
import { statFields } from '../lib/util/proc-stat';

export const SSHD = '/usr/sbin/sshd';
const READY_TIMEOUT_MS = 10_000;
const MAX_LOG_CHARS = 2_000_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

export interface Launched { proc: ChildProcess; port: number; log: { text: string }; }

/** Starts sshd on a free port; retries if another process grabs the port first. */
export async function launch(configPath: string): Promise<Launched> {
  let lastLog = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freePort();
    const log = { text: '' };
    const proc = spawn(SSHD, ['-D', '-e', '-f', configPath, '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer) => {
      log.text += chunk.toString('utf8');
      if (log.text.length > MAX_LOG_CHARS) log.text = log.text.slice(-MAX_LOG_CHARS / 2);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    let exited = false;
    proc.once('exit', () => (exited = true));
    proc.once('error', (err) => { exited = true; log.text += `\nspawn error: ${err.message}\n`; });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!exited && Date.now() < deadline) {
      if (log.text.includes(`Server listening on 127.0.0.1 port ${port}`) && (await canConnect(port))) {
        return { proc, port, log };
      }
      await sleep(25);
    }
    await kill(proc);
    lastLog = log.text;
    if (!/Address already in use|Cannot bind any address/.test(log.text)) break;
  }
  throw new Error(`sshd did not start within ${READY_TIMEOUT_MS} ms. Its log:\n${lastLog}`);
}

/** SIGTERM, then SIGKILL after a bound; never hangs. */
export async function kill(proc: ChildProcess): Promise<void> {
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const waitExit = (ms: number) =>
    new Promise<void>((resolve) => {
      if (exited()) return resolve();
      const t = setTimeout(resolve, ms);
      proc.once('exit', () => { clearTimeout(t); resolve(); });
    });
  if (!exited()) proc.kill('SIGTERM');
  await waitExit(3000);
  if (!exited()) proc.kill('SIGKILL');
  await waitExit(2000);
  // Per-connection sshd children (setsid'd, so not killed with the listener)
  // may still hold our pipes; drop them so jest does not wait on them.
  proc.stdout?.destroy();
  proc.stderr?.destroy();
}

/**
 * Processes below `pid` (from /proc's parent links). Read synchronously: a
 * transfer in the test's own process cannot move on meanwhile, where reads
 * through a busy thread pool took ~0.5 s and let it finish before a drop.
 */
export async function descendantPids(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readIfThere(`/proc/${entry}/stat`);
    if (stat) parents.set(Number(entry), Number(statFields(stat)[1]));
  }
  const below = (p: number): boolean => {
    for (let up = parents.get(p); up !== undefined; up = parents.get(up)) if (up === pid) return true;
    return false;
  };
  return [...parents.keys()].filter(below);
}

// A process that ended since /proc was listed has no files: ''.
function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Kills what still runs of an instance: with `text` (its directory) in its
 * command line, or started by one of its sessions (SSH_CONNECTION ends with
 * its `port`). A session's children outlive their sshd: a test's stand-in
 * `scp` that runs `exec sleep 600` to stall a transfer mentions nothing else.
 */
export async function killMentioning(text: string, port?: number): Promise<void> {
  const session = port === undefined ? undefined : new RegExp(String.raw`(^|\x00)SSH_CONNECTION=\S+ \d+ \S+ ${port}(\x00|$)`);
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const ours = cmdline.includes(text) || (session !== undefined && session.test(await fs.readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')));
    if (!ours) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}
