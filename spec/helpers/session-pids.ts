// The processes running an sshd's sessions: of those serving its connections,
// the ones with no child (each channel's internal-sftp, or a remote scp), so
// a test can stop one channel's server side alone.
import { readFileSync } from 'node:fs';
import type { TestSshd } from './sshd';

/** The pids of `sshd`'s session processes now. */
export async function sessionPids(sshd: TestSshd): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const pid of await sshd.connectionPids()) {
    try {
      parentOf.set(pid, Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]));
    } catch {
      // ended since it was listed
    }
  }
  const parents = new Set(parentOf.values());
  return [...parentOf.keys()].filter((pid) => !parents.has(pid));
}
