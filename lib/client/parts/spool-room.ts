// Room in the spool directory for the parts a put holds: up to parallel + 1
// of them, those past --memory in files there. Looked at once, at the start:
// a spool that cannot hold them failed with ENOSPC hours into a stream, its
// set left incomplete. Where fewer parts at once fit, the run goes on with
// that many (a slower backup is better than none). Where not even one part
// being sent and the next being spooled fit, it goes on with one, warned: the
// stream's length is not known, and a short one (a nightly job that always
// fitted) still does.
import { statfsSync } from 'node:fs';
import { hostPath } from '../../util/byte-text';

/** What the spool directory lacks for the parallelism asked, and the parallelism used instead. */
export interface SpoolShort {
  dir: string;
  /** Bytes free there (what an unprivileged user may take). */
  free: number;
  /** Bytes the parallelism asked needs there, at most. */
  need: number;
  /** The parallelism asked. */
  parallel: number;
  /** The parallelism the run goes on with. */
  fitted: number;
  /** Bytes `fitted` needs there: more than `free` where not even one part at a time fits. */
  fittedNeed: number;
  /** The parts sets these bytes are for (putMany's targets share the directory). */
  sets: number;
  /** Set when the parts are held to read a stored set back (put's `verify`), not to send or fetch it. */
  readBack?: boolean;
}

interface RoomArgs {
  dir: string;
  partSize: number;
  parallel: number;
  /** RAM the parts share before they spill (--memory). */
  memoryLimit: number;
  /** The input's length, where known (a buffer, a set's manifest): fewer parts than parallel + 1 may be all there is. */
  size?: number;
  /** Parts sets spooling there at once, alike (putMany's targets): the room is theirs together. */
  sharedBy?: number;
  /** The parts fill at once (get fetches them ahead side by side), not one after another as put cuts them. */
  together?: boolean;
}

/** Bytes of the spool files `parallel` parts at once may take: (parallel + 1) parts less those that stay in RAM. */
export function spoolNeed(a: RoomArgs, parallel = a.parallel): number {
  const parts = a.size === undefined ? Infinity : Math.max(1, Math.ceil(a.size / a.partSize));
  const held = Math.min(parallel + 1, parts);
  const all = a.size === undefined ? held * a.partSize : Math.min(held * a.partSize, a.size);
  // A part that outgrows the budget goes to a file whole. Parts filled at
  // once share the budget in pieces, so each of them may outgrow it.
  const inRam = a.together ? (all <= a.memoryLimit ? held : 0) : Math.floor(a.memoryLimit / a.partSize);
  const bytes = Math.max(0, held - inRam) * a.partSize;
  return a.size === undefined ? bytes : Math.min(bytes, a.size);
}

/**
 * The parallelism to use: `a.parallel` where the spool has room for it, else
 * the most that fits, at least 1 (told through `onShort`). A directory that
 * cannot be looked at is left to fail as it did.
 */
export function fitSpool(a: RoomArgs, onShort?: (s: SpoolShort) => void): number {
  const sets = Math.max(1, a.sharedBy ?? 1);
  const needOf = (parallel: number): number => sets * spoolNeed(a, parallel); // every set's, as they hold theirs at once
  const need = needOf(a.parallel);
  if (need === 0) return a.parallel;
  let free: number;
  try {
    const s = statfsSync(hostPath(a.dir));
    free = s.bavail * s.bsize;
  } catch {
    return a.parallel;
  }
  if (need <= free) return a.parallel;
  let fitted = a.parallel - 1;
  while (fitted > 1 && needOf(fitted) > free) fitted--;
  fitted = Math.max(1, fitted);
  onShort?.({ dir: a.dir, free, need, parallel: a.parallel, fitted, fittedNeed: needOf(fitted), sets });
  return fitted;
}
