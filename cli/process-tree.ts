// The processes a child started: `-- bash -o pipefail -c 'pg_dump | zstd'`
// runs pg_dump and zstd under bash, and SIGTERM to bash alone leaves them
// running (a pg_dump waiting on a lock would wait on, holding its
// connection). Linux tells through /proc; elsewhere the list is empty.
import { readFileSync, readdirSync } from 'node:fs';
import { statFields } from '../lib/internal';

/** The pids below `pid` (children, theirs, ...), read from /proc; [] where there is none. */
export function descendantsOf(pid: number, proc = '/proc'): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`${proc}/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const ppid = Number(statFields(stat)[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && found.length < 10_000) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
