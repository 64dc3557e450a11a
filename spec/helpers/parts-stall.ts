// A parts upload with one channel's server side stopped (SIGSTOP: a process
// hung on NFS looks so) while the others move, over SCP and over SFTP alike:
// a slow link so the other channels still move when the stall is found, the
// stopped process let go whatever the test's outcome, and the set checked.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startThrottleProxy } from './throttle-proxy';

/** What `body` is given: the slow link's port, and how to stop a server process (SIGCONTed at the end). */
export interface StallLink {
  port: number;
  stop(pid: number): void;
}

/** Runs `body` with an 8 MB/s link to `sshdPort`; a process it stopped is continued, the link closed, however it ends. */
export async function withStallLink(sshdPort: number, body: (link: StallLink) => Promise<void>): Promise<void> {
  const proxy = await startThrottleProxy(sshdPort, 8_000_000);
  let stopped: number | undefined;
  try {
    await body({
      port: proxy.port,
      stop: (pid) => {
        process.kill(pid, 'SIGSTOP');
        stopped = pid;
      },
    });
  } finally {
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    await proxy.close();
  }
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
