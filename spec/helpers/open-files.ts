// Which files under a directory this process holds open, deleted ones
// included (Linux /proc): how the spool tests see an unlinked spool file.
import fs = require('node:fs');
import * as path from 'node:path';

/** `fd -> target` for each file under `dir` this process has open ([] off Linux). */
export function openFilesIn(dir: string): string[] {
  if (process.platform !== 'linux') return [];
  const real = fs.realpathSync(dir) + path.sep;
  const found: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (readdir's own fd)
    }
    if (target.startsWith(real)) found.push(`${fd} -> ${target}`);
  }
  return found;
}

/** How /proc shows an unnamed (O_TMPFILE) file: `#<inode> (deleted)`. */
export const UNNAMED_TARGET = /\/#\d+ \(deleted\)$/;

/** The spool files among openFilesIn(dir): named `scpipe-spool-*`, or unnamed. */
export function openSpoolFilesIn(dir: string): string[] {
  return openFilesIn(dir).filter((entry) => entry.includes('scpipe-spool-') || UNNAMED_TARGET.test(entry));
}
