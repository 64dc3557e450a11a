// Which queued requests may run now. The results must be those of running
// the requests one by one in the order received (what sftp-server does, and
// what a client that sends WRITE, WRITE, CLOSE without waiting relies on);
// but a pipelined upload or download is many READs or WRITEs at once, and
// running those one at a time would leave the disk idle during every round
// trip to the thread pool. So: a READ or WRITE may start while others run,
// unless one of them overlaps it on the same handle (a WRITE overlapping
// anything, a READ overlapping a WRITE); every other request waits until
// nothing runs and runs alone. Requests start in order: the first that
// cannot start holds back the rest, and replies still leave in order
// (session.ts). Pure; the session does the I/O.
import type { Request } from './requests';

/** Requests that may run at once. */
export const MAX_RUNNING = 16;

type Io = Extract<Request, { op: 'read' | 'write' }>;

function isIo(r: Request): r is Io {
  return r.op === 'read' || r.op === 'write';
}

// [start, end) of the bytes a READ or WRITE touches; an append touches the end, wherever it is.
function range(r: Io, append: boolean): [bigint, bigint] {
  if (r.op === 'write' && append) return [0n, 2n ** 64n];
  return [r.offset, r.offset + BigInt(r.op === 'read' ? r.length : r.data.length)];
}

function conflicts(a: Io, b: Io, isAppend: (handle: Buffer) => boolean): boolean {
  if (!a.handle.equals(b.handle)) return false;
  if (a.op === 'read' && b.op === 'read') return false;
  const [s1, e1] = range(a, isAppend(a.handle));
  const [s2, e2] = range(b, isAppend(b.handle));
  return s1 < e2 && s2 < e1;
}

/** True when `next` may start while `running` run. */
export function canStart(next: Request, running: Iterable<Request>, isAppend: (handle: Buffer) => boolean): boolean {
  let count = 0;
  for (const r of running) {
    count++;
    if (count >= MAX_RUNNING) return false;
    if (!isIo(next) || !isIo(r) || conflicts(next, r, isAppend)) return false;
  }
  return true;
}
