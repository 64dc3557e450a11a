// A spool left to the default directory ($TMPDIR, else /tmp) may be in RAM:
// /tmp is a tmpfs on Debian 13, Fedora and Arch. Past --memory the stream
// then still takes memory, and a stream larger than the tmpfs fails after
// hours. Said once, at the first spill; a --spool-dir given is the user's choice.
import { escapeForTerminal, type Spill } from '../lib';
import { formatBytes, ramFileSystemFree } from '../lib/internal';
import { say } from './report';

/**
 * The onSpill for a run whose spool directory is `spoolDir` (undefined: the
 * default); says the warning at most once, after `before` (erasing a progress line).
 */
export function ramSpoolWarning(spoolDir: string | undefined, parts: boolean | 'fetched', before?: () => void): ((spill: Spill) => void) | undefined {
  if (spoolDir !== undefined) return undefined;
  let said = false;
  return (spill) => {
    if (said || spill.to !== 'disk') return;
    said = true;
    const free = ramFileSystemFree(spill.dir);
    if (free === undefined) return;
    before?.();
    const cost =
      parts === 'fetched'
        ? 'the parts fetched ahead take memory there past --memory, (--parallel + 1) parts at most'
        : parts
          ? 'each part past --memory takes memory there'
          : 'the stream takes memory there, and fails if it outgrows it';
    say(`warning: spooling in ${escapeForTerminal(spill.dir)}, a file system in RAM (tmpfs, ${formatBytes(free)} free): ${cost}; --spool-dir on a disk (e.g. /var/tmp) avoids it`);
  };
}
