// The one walk of a path's names inside the root the kernel's way, for a
// client path (jail-dotdot.ts) and a new link's text (sftp/link-text.ts):
// each name before the last `..` is taken by its real directory
// (real-directory.ts), so `..` is the parent of where a link leads, not of
// its name. The names after the last `..` are joined by name.
import { posix } from 'node:path';
import { joinName } from '../fs/join-name';
import type { Jail } from './jail';
import { LEADS_OUTSIDE, realDirectory } from './real-directory';

/** How the walk takes what the kernel would not let it pass. */
export interface DotdotRules {
  /** A `..` at the root is left out (a client path, as a chroot does), else refused. */
  dropAtRoot: boolean;
  /** A name before a `..` that is no directory inside: by name from there on (a link made for later), else a stop. */
  missingByName: boolean;
}

/** Where the names lead, and the names kept (all but the `..`s left out at the root). */
export interface Walked {
  kept: string[];
  leadsTo: string;
}

/** The walk stopped at `names[at]`: it leads outside, or realDirectory()'s error. */
export interface Stopped {
  at: number;
  cause: typeof LEADS_OUTSIDE | { error: unknown };
}

/** Walks `names` (no empty names, no `.`) from `start`, a real directory inside the root. */
export async function walkDotdot(jail: Jail, start: string, names: readonly string[], rules: DotdotRules): Promise<Walked | Stopped> {
  const last = names.lastIndexOf('..');
  const kept: string[] = [];
  let cur = start;
  let real = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === '..') {
      if (cur === jail.root) {
        if (rules.dropAtRoot) continue;
        return { at: i, cause: LEADS_OUTSIDE };
      }
      // cur is a real path (or one by name after a missing one): its parent by name is the kernel's `..`.
      cur = posix.dirname(cur);
    } else if (i < last && real) {
      const dir = await realDirectory(jail, joinName(cur, name)).then(
        (d) => d,
        (error: unknown) => ({ error }),
      );
      if (dir === LEADS_OUTSIDE) return { at: i, cause: LEADS_OUTSIDE };
      if (typeof dir === 'string') {
        cur = dir;
      } else if (rules.missingByName) {
        real = false;
        cur = joinName(cur, name);
      } else {
        return { at: i, cause: dir };
      }
    } else {
      cur = joinName(cur, name);
    }
    kept.push(name);
  }
  return { kept, leadsTo: cur };
}
