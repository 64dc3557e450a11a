// Which files under a directory a process (this one by default) holds open,
// deleted ones included (Linux /proc): how the spool tests see an unlinked
// or unnamed spool file.
import fs = require('node:fs');
import * as path from 'node:path';

/**
 * `fd -> target` for each file under `dir` that process `pid` has open ([]
 * off Linux, or once that process has gone).
 */
export function openFilesIn(dir: string, pid: number | 'self' = 'self'): string[] {
  if (process.platform !== 'linux') return [];
  const real = fs.realpathSync(dir) + path.sep;
  const found: string[] = [];
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return []; // the process has gone
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (readdir's own fd)
    }
    if (target.startsWith(real)) found.push(`${fd} -> ${target}`);
  }
  return found;
}

/** How /proc shows an unnamed (O_TMPFILE) file: `#<inode> (deleted)`. */
export const UNNAMED_TARGET = /\/#\d+ \(deleted\)$/;

/** The spool files among openFilesIn(dir, pid): named `scpipe-spool-*`, or unnamed. */
export function openSpoolFilesIn(dir: string, pid: number | 'self' = 'self'): string[] {
  return openFilesIn(dir, pid).filter((entry) => entry.includes('scpipe-spool-') || UNNAMED_TARGET.test(entry));
}

/** The target of each descriptor process `pid` holds (`''` for one closed meanwhile): to count them. */
export function descriptorsOf(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
}
