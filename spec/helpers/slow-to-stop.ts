// An input command that outlasts the SIGTERM of put's clean-up, so a test can
// send the second signal while that clean-up waits: the command's stdout is
// closed first, so only the clean-up signals it, and it holds scpipe's stderr
// open until the test kills it.
import { readFile } from 'node:fs/promises';
import { waitFor } from './async';
import type { CliRun } from './cli';
import { killAll } from './drop-connections';

/** The words after `--`: `bytes` zeros, stdout closed, then up to 10 s noting each SIGTERM in `marker` (its pid on the first line). */
export function slowToStopCommand(bytes: number, marker: string): string[] {
  const script = `echo $$ > "$0"; trap "echo term >> \\"$0\\"" TERM; head -c ${bytes} /dev/zero; exec >&-; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`;
  return ['sh', '-c', script, marker];
}

/**
 * SIGINT once `ready` holds (within 30 s), again once the clean-up has sent
 * the input command its SIGTERM; waits for scpipe's exit, then kills the command.
 */
export async function interruptTwiceDuringCleanUp(run: CliRun, marker: string, ready: () => Promise<boolean>, readyWhat: string): Promise<void> {
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  const noted = async (): Promise<string[]> => (await readFile(marker, 'utf8').catch(() => '')).split('\n');
  try {
    await waitFor(ready, readyWhat, 30_000);
    run.child.kill('SIGINT');
    await waitFor(async () => (await noted()).includes('term'), 'the clean-up stopping the input command', 10_000);
    run.child.kill('SIGINT');
    await exited;
  } finally {
    const pid = Number((await noted())[0]);
    // Gone already (it ends itself after 10 s): nothing to kill, and no reason to fail the test.
    if (pid > 0) killAll([pid]);
  }
}
