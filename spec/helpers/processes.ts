// Local processes found by their command line (Linux /proc): the ssh
// processes a run started and must end, the children an option reaches.
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Pids of the processes whose command line contains `text` in one of its
 * arguments; with `program`, only those whose argv[0] is that program (by
 * its last path component).
 */
export function processesWith(text: string, program?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (program !== undefined && argv[0]!.split('/').pop() !== program) continue;
      if (argv.some((a) => a.includes(text))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}
