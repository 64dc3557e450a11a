// What `get --output FILE --resume` says about the file it keeps beside FILE:
// that a kept one is being checked (reading back 1.5 TB takes a while), and
// where the restore goes on from, or, for a new one, only under -v.
import { escapeForTerminal, type DroppedKept, type ResumeEvent } from '../lib';
import { formatBytes } from '../lib/internal';

/** The line for `event`, or undefined where nothing is said (a new kept file, said in the -v log). */
export function resumeLine(event: ResumeEvent): string | undefined {
  const path = escapeForTerminal(event.path);
  if (event.phase === 'file') {
    if (event.bytes === 0n) return undefined;
    const summed = event.summed ? ' (read back first, for the whole file\'s SHA-256)' : '';
    return `resuming ${path}: ${formatBytes(Number(event.bytes))} of ${formatBytes(Number(event.size))} kept${summed}; reading on from byte ${event.bytes}`;
  }
  if (event.phase === 'check') return event.bytes === 0n ? undefined : `checking the ${formatBytes(Number(event.bytes))} kept in ${path} against the manifest, part by part`;
  const { cut } = event;
  if (event.bytes === 0n && cut === undefined) return undefined;
  const next = event.next === undefined ? 'every part is there' : `fetching from part ${escapeForTerminal(event.next)}`;
  const kept = `${event.part} of ${event.parts} part(s), ${formatBytes(Number(event.bytes))}, match the manifest`;
  let why = '';
  if (cut?.why === 'differs') why = `; part ${escapeForTerminal(cut.part)} there does not match it: it and what followed (${formatBytes(Number(cut.bytes))}) were cut off, to be fetched again`;
  else if (cut !== undefined && cut.part !== '') why = `; the ${formatBytes(Number(cut.bytes))} of part ${escapeForTerminal(cut.part)} after them, cut short, were cut off`;
  else if (cut !== undefined) why = `; the ${formatBytes(Number(cut.bytes))} past the set's end were cut off`;
  return `resuming ${path}: ${kept}${why}; ${next}`;
}

/** The -v lines: a kept file of another version of a single file, removed; a restore that starts a new kept file. */
export function keptFileLogs(event: ResumeEvent): string[] {
  if (event.phase !== 'file') return [keptFileLog(event)].filter((l): l is string => l !== undefined);
  const lines = event.dropped.map((d) => {
    const shown = escapeForTerminal(d.path);
    return `starting over: removed ${shown} (${d.bytes} bytes kept): ${droppedWhy(d, event)}`;
  });
  if (event.bytes === 0n) lines.push(`restoring into ${escapeForTerminal(event.path)}, which a failure leaves for the next --resume`);
  return lines;
}

function droppedWhy(d: DroppedKept, event: { size: bigint; mtime: number }): string {
  if (d.why === 'longer' || d.was === undefined) return `it is longer than the ${event.size} bytes of the remote file`;
  if (d.why === 'other-path') return 'it was kept for another remote path';
  if (d.why === 'no-path') return 'an earlier version of scpipe named it without the remote path, so which file it holds is not known';
  return `the remote file changed since: ${versionChange(d.was, event)}`;
}

// "size 10 -> 12 bytes, mtime 2026-…Z -> 2026-…Z", each only where it differs.
function versionChange(was: { size: bigint; mtime: number }, { size, mtime }: { size: bigint; mtime: number }): string {
  const said: string[] = [];
  if (was.size !== size) said.push(`size ${was.size} -> ${size} bytes`);
  if (was.mtime !== mtime) said.push(`modification time ${isoSeconds(was.mtime)} -> ${isoSeconds(mtime)}`);
  return said.join(', ');
}

function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

function keptFileLog(event: ResumeEvent): string | undefined {
  if (event.phase !== 'start' || event.bytes !== 0n || event.cut !== undefined) return undefined;
  return `restoring into ${escapeForTerminal(event.path)}, which a failure leaves for the next --resume`;
}
