// A spool left to the default directory ($TMPDIR, else /tmp) may be in RAM:
// /tmp is a tmpfs on Debian 13, Fedora and Arch. Past --memory the stream
// then still takes memory, and a stream larger than the tmpfs fails after
// hours. Said once, at the first spill; a --spool-dir given is the user's choice.
import { escapeForTerminal, type Spill } from '../lib';
import { formatBytes, ramFileSystemFree, spoolDirectory, spoolDirectoryProblem } from '../lib/internal';
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

/** What a put may spool: one file over SCP (`scp`), or where auto may choose SCP (`auto`); or parts of a set. */
export type SpoolUse = { protocol: 'scp' | 'auto' } | { partSize: bigint; parallel: number };

/**
 * The default spool directory ($TMPDIR, else /tmp) that cannot take a file
 * (read-only, missing, out of inodes) is said while the stream is still to
 * come: it was found only at the first spill, past --memory, with that much
 * of a producer's output consumed. A warning, not a refusal: a stream that
 * fits in --memory never needs it, nor does SFTP, nor a set whose parts held
 * at once (parallel + 1) fit in it, which is not warned of. Looked at now;
 * the returned function says it (once), so a put under --protocol auto says
 * it only once SCP is chosen (a read-only /tmp under ProtectSystem=strict).
 */
export async function unusableSpoolWarning(memory: number, use: SpoolUse, targets = 1): Promise<() => void> {
  // put to several targets as parts sets shares --memory among them (each holds parts of its own); their single-file spool is one, with all of it.
  const share = Math.floor(memory / targets);
  const limit = targets > 1 ? `--memory (${formatBytes(memory)}, ${formatBytes(share)} for each of ${targets} targets)` : `--memory (${formatBytes(memory)})`;
  let fails: string;
  if ('partSize' in use) {
    const held = BigInt(use.parallel + 1);
    if (held * use.partSize <= BigInt(share)) return () => undefined;
    fails = `a part that finds ${limit} full will fail (up to ${held} parts of ${formatBytes(use.partSize)} are held at once)`;
  } else {
    const stream = `a stream past ${limit} will fail`;
    fails = use.protocol === 'scp' ? stream : `over SCP (a host without SFTP) ${stream}`;
  }
  const dir = spoolDirectory(undefined);
  const why = await spoolDirectoryProblem(dir);
  let said = why === undefined;
  return () => {
    if (said) return;
    said = true;
    const whence = process.env['TMPDIR'] ? '$TMPDIR' : 'the default';
    say(`warning: the spool directory ${escapeForTerminal(dir)} (${whence}): ${why}: ${fails}; give --spool-dir`);
  };
}
