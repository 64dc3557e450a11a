// Before the first part of a run goes: under --no-clobber, a refusal when
// the set's names are taken; otherwise the earlier set of the name, whose
// manifest this run's conflict check (concurrent-set.ts) and its error, if
// it fails (incomplete.ts), need.
import { escapeForTerminal } from '../../util/escape';
import type { Reconnector } from '../reconnect';
import { manifestStamp, type Stamp } from './concurrent-set';
import { manifestName } from './names';
import { refuseExistingSet } from './no-clobber';
import type { PartsOptions } from './options';
import type { PartsProtocol } from './send';
import { refuseDirectorySet } from './set-not-dir';

/** What a run knows of the set of its name that was there before it. */
export interface EarlierSet {
  /** The manifest as it was before the first part went; null: none; undefined: not known. */
  stamp: Promise<Stamp | undefined>;
  /** An earlier set's manifest is there: this run replaces it part by part. */
  replacing: Promise<boolean>;
  /** --no-clobber's look for the set's names is done: an ERR_EXISTS after it comes from a part. */
  checked: boolean;
}

/** See the file comment; `run.fail` stops the run (a name too long for the remote, a directory of the set's name). */
export async function lookEarlierSet(
  conn: Reconnector,
  protocol: PartsProtocol,
  at: { dir: string; name: string },
  opts: PartsOptions,
  run: { signal: AbortSignal; toSftp: (why: string) => void; fail: (err: unknown) => void },
): Promise<EarlierSet> {
  const { dir, name } = at;
  // --no-clobber: neither the set, nor a plain file of its name, nor a part of an earlier try.
  if (opts.noClobber) {
    await refuseExistingSet(conn, protocol, dir, name, { ...opts, signal: run.signal }, run.toSftp);
    return { stamp: Promise.resolve(null), replacing: Promise.resolve(false), checked: true };
  }
  // An earlier set of this name is written over part by part: a failure
  // then leaves neither whole, and says so. Looked up beside the first
  // part, asked only by a failure: the stream need not wait for it, and
  // a failure of the run (a producer that fails at once) does not stop it.
  const path = manifestName(`${dir}${name}`);
  const lookup = { ...opts, signal: opts.signal ?? new AbortController().signal };
  // The caller's signal, not the run's: a producer that failed at once does not stop the lookup.
  // One lookup after the other, both before any part's channel opens.
  const stamp = manifestStamp(conn, protocol.now, path, lookup).then(async (found) => {
    await refuseDirectorySet(conn, protocol.now, `${dir}${name}`, lookup);
    return found;
  });
  // A name too long for the remote: said now, not once the first part is cut.
  stamp.catch(run.fail);
  const replacing = stamp.then((found) => {
    if (found) opts.trace?.(`${escapeForTerminal(path)} is there: this set replaces that one part by part`);
    return Boolean(found);
  }, () => false);
  return { stamp, replacing, checked: false };
}
