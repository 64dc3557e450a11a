// What `put --remove-stale` says of each leftover temporary file, for a
// single file and for a parts set alike, what `put` says of one unasked, and
// what put and cp say of one a lost connection left that the server keeps.
import { STALE_AFTER_S, escapeForTerminal, type OthersStale, type ScpipeError, type StaleTempOptions } from '../lib';
import { formatBytes } from '../lib/internal';

/** The line for a temporary file removed. */
export function staleRemoved(path: string): string {
  return `removed ${escapeForTerminal(path)}, left by an interrupted upload`;
}

/** The line for one kept as possibly another upload's, written to `ageS` seconds ago. */
export function staleKept(path: string, ageS: number): string {
  return `kept ${escapeForTerminal(path)}: written to ${ageS} s ago, another upload may still be writing it (--remove-stale removes such files once ${STALE_AFTER_S} s old)`;
}

/** The warning, once, that the server refused to remove a leftover (an append-only server), `reason` naming it: `left` of them stay. */
export function staleRefused(reason: string, left: number): string {
  return `warning: --remove-stale: ${reason}: ${left} temporary file(s) left by interrupted uploads stay there; the upload goes on`;
}

/** The warning for a temporary file an earlier upload of this target left, found unasked. */
export function staleFound(path: string, ageS: number, bytes: number): string {
  return `warning: ${escapeForTerminal(path)} (${formatBytes(bytes)}, last written ${formatAge(ageS)} ago) is left by an upload of this file that did not finish; --remove-stale removes it`;
}

/** The warning, once, for other names' temporary files found in the target's directory: scpipe never removes those. */
export function othersStaleFound(found: OthersStale): string {
  const files = found.count === 1 ? '1 temporary file' : `${found.count} temporary files`;
  return `warning: ${escapeForTerminal(found.dir)} holds ${files} (${formatBytes(found.bytes)}, the oldest last written ${formatAge(found.oldestAgeS)} ago) left by uploads of other names that did not finish (.NAME.scpipe-XXXXXX); scpipe never removes those: remove them on the server once no such upload runs (docs/nightly.md)`;
}

/** The warning for a temporary file a killed `get --output` of this file left beside it (local-leftovers.ts). */
export function localLeftoverFound(path: string, ageS: number, bytes: number): string {
  return `warning: ${escapeForTerminal(path)} (${formatBytes(bytes)}, last written ${formatAge(ageS)} ago) is left by a download of this file that did not finish; remove it (rm) unless one is still running`;
}

/** The warning for the file a `get --resume` kept, found once the file is stored without it. */
export function keptRestoreFound(path: string, ageS: number, bytes: number): string {
  return `warning: ${escapeForTerminal(path)} (${formatBytes(bytes)}, last written ${formatAge(ageS)} ago) is kept by a get --resume of this file that did not finish, and this run did not need it; remove it (rm) unless one is still running`;
}

/** The warning for a temporary file a lost connection left that the server would not remove: the run went on and may exit 0. */
export function tempKept(path: string, error: ScpipeError): string {
  const why = error.code === 'ERR_PERMISSION_DENIED'
    ? `removing it was refused (${error.message}), and an append-only server keeps it; remove it with the server's own account`
    : `removing it failed (${error.message}); remove it on the server`;
  return `warning: ${escapeForTerminal(path)} is left on the server by an attempt that a lost connection cut: ${why}`;
}

function formatAge(s: number): string {
  if (s < 2 * 60) return `${s} s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)} min`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} days`;
}

/** The callbacks by which put and put --part-size say each line above; `progress` is ended first where a warning would break it. */
export function staleSayers(say: (line: string) => void, progress: { done(): void } | undefined): Omit<StaleTempOptions, 'removeStale'> {
  return {
    onStaleRemoved: (path) => say(staleRemoved(path)),
    onStaleKept: (path, ageS) => say(staleKept(path, ageS)),
    onStaleRefused: (_path, reason, left) => say(staleRefused(reason, left)),
    onTempKept: (path, error) => {
      progress?.done();
      say(tempKept(path, error));
    },
    onStaleFound: (path, ageS, bytes) => {
      progress?.done();
      say(staleFound(path, ageS, bytes));
    },
    onOthersStaleFound: (found) => {
      progress?.done();
      say(othersStaleFound(found));
    },
  };
}
