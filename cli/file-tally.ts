// The bytes of a cp's files so far, from their progress updates. Over SFTP
// up to 16 small files are in flight at once, so updates of several files
// interleave: each file's latest count is kept until it is complete.
import type { Progress } from '../lib';

/** Sums transfer updates of files that may interleave; a file is known by its name while incomplete. */
export class FileTally {
  /** Files started so far (a file started again after it completed counts again). */
  files = 0;
  private settled = 0n; // completed files, and (restartsCount) attempts cut short
  private openBytes = 0n;
  private readonly open = new Map<string, bigint>(); // incomplete files: their latest count

  /** restartsCount: a file that starts again (fewer bytes than before) adds the bytes of its earlier attempt, moved all the same. */
  constructor(private readonly restartsCount: boolean) {}

  /** Files started and not yet complete: more than one while files are in flight together. */
  get inFlight(): number {
    return this.open.size;
  }

  /** Takes a transfer update; returns the bytes of all files so far. */
  add(p: Progress): bigint {
    const prev = this.open.get(p.name);
    if (prev === undefined) this.files++;
    else {
      this.openBytes -= prev;
      if (p.bytes < prev && this.restartsCount) this.settled += prev;
    }
    // Sent whole but not confirmed yet (SCP): the update that confirms it comes next, of the same file.
    if (p.total !== undefined && p.bytes >= p.total && !p.awaiting) {
      this.open.delete(p.name); // done: a file of that name later is another (a retry, or a download's same basename)
      this.settled += p.bytes;
    } else {
      this.open.set(p.name, p.bytes);
      this.openBytes += p.bytes;
    }
    return this.settled + this.openBytes;
  }
}
