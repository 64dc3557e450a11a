// A dropped connection as users meet it: SIGKILL to the processes serving
// the test sshd's connections (each per-connection sshd and what runs under
// it: the remote scp or sftp-server).
import { readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { waitFor } from './async';
import type { CliResult, CliRun } from './cli';
import type { TestSshd } from './sshd';

/**
 * `signal` (SIGKILL unless said) to each of `pids`; one that has exited
 * meanwhile (a remote scp that finished, a stopped sshd's child it reaped
 * once continued) is fine.
 */
export function killAll(pids: readonly number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** Kills every process serving a connection of `sshd`; resolves with how many there were. */
export async function dropConnections(sshd: TestSshd): Promise<number> {
  const pids = await sshd.connectionPids();
  killAll(pids);
  return pids.length;
}

/**
 * A server that stops answering mid-transfer: once `dir` has an entry (data
 * is flowing), SIGSTOP to every process serving `sshd`, and the exit of
 * `run`, which must come by itself (a keepalive's timeout); all is thawed
 * and `run` killed after.
 */
export async function exitOnStalledServer(sshd: TestSshd, dir: string, run: CliRun, input: Readable): Promise<CliResult> {
  let stopped: number[] = [];
  try {
    await waitFor(async () => (await readdir(dir)).length > 0, 'data is flowing');
    stopped = await sshd.connectionPids();
    killAll(stopped, 'SIGSTOP');
    return await run.done;
  } finally {
    killAll(stopped, 'SIGCONT');
    input.destroy();
    run.child.kill('SIGKILL');
  }
}
