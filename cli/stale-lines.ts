// What `put --remove-stale` says of each leftover temporary file, for a
// single file and for a parts set alike.
import { STALE_AFTER_S, escapeForTerminal } from '../lib';

/** The line for a temporary file removed. */
export function staleRemoved(path: string): string {
  return `removed ${escapeForTerminal(path)}, left by an interrupted upload`;
}

/** The line for one kept as possibly another upload's, written to `ageS` seconds ago. */
export function staleKept(path: string, ageS: number): string {
  return `kept ${escapeForTerminal(path)}: written to ${ageS} s ago, another upload may still be writing it (--remove-stale removes such files once ${STALE_AFTER_S} s old)`;
}
