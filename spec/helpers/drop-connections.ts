// A dropped connection as users meet it: SIGKILL to the processes serving
// the test sshd's connections (each per-connection sshd and what runs under
// it: the remote scp or sftp-server).
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
