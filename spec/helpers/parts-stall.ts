// A parts upload with one channel's server side stopped (SIGSTOP: a process
// hung on NFS looks so) while the others move, over SCP and over SFTP alike:
// a slow link so the other channels still move when the stall is found, the
// stopped process let go whatever the test's outcome, and the set checked.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './async';
import { killAll } from './drop-connections';
import { sessionPids } from './session-pids';
import type { TestSshd } from './sshd';
import { startThrottleProxy } from './throttle-proxy';

/** What `body` is given: the slow link's port, and how to stop a server process (SIGCONTed at the end). */
export interface StallLink {
  port: number;
  stop(pid: number): void;
}

/** Runs `body` with a link of `bytesPerSecond` (8 MB/s) to `sshdPort`; the processes it stopped are continued, the link closed, however it ends. */
export async function withStallLink(sshdPort: number, body: (link: StallLink) => Promise<void>, bytesPerSecond = 8_000_000): Promise<void> {
  const proxy = await startThrottleProxy(sshdPort, bytesPerSecond);
  // Every process stopped is continued (a test may stop a part's session, then its reconnection's).
  const stopped = new Set<number>();
  try {
    await body({
      port: proxy.port,
      stop: (pid) => {
        process.kill(pid, 'SIGSTOP');
        stopped.add(pid);
      },
    });
  } finally {
    killAll([...stopped], 'SIGCONT');
    await proxy.close();
  }
}

/** Waits (60 s) for four sftp sessions of `sshd`, then stops the second. */
export async function stopOneOfFourSessions(sshd: TestSshd, link: StallLink): Promise<void> {
  await waitFor(async () => {
    const sessions = await sessionPids(sshd);
    if (sessions.length < 4) return false;
    link.stop(sessions[1]!);
    return true;
  }, 'four sftp sessions', 60_000);
}

/** The lines of a run's stderr that tell of a part's first retry of `--retries 2`. */
export function firstRetries(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /; retry 1 of 2 in/.test(l));
}

/** Expects `dir` to hold `count` parts f.NNNNNN that are `data` in order, byte-exact. */
export async function expectPartsSet(dir: string, count: number, data: Buffer): Promise<void> {
  const names = (await readdir(dir)).filter((n) => /^f\.\d{6}$/.test(n)).sort();
  expect(names).toHaveLength(count);
  const stored = Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
  expect(stored.equals(data)).toBe(true);
}
