// The error a parts upload that failed throws (put-parts.ts): the set
// complete after all, a refusal that sent nothing, or the set incomplete,
// saying what is left of it (incomplete.ts).
import { ScpipeError, abortError, isScpipeError, withMessage, type CutShort, type TempLeft } from '../../errors';
import { withTempsLeft } from '../temps-left';
import { isNameTooLong } from '../../protocol/name-max';
import { escapeForTerminal } from '../../util/escape';
import { scpRefusalHint, sftpOnlyAdvice } from '../protocol-choice';
import { incomplete } from './incomplete';
import type { LeftFiles, LeftPart } from './left-parts';
import { manifestName, partName } from './names';
import type { PartsOptions } from './options';
import type { PartLog } from './part-log';

/** What a failed run knew when it stopped. */
export interface FailedRun {
  dir: string;
  name: string;
  /** The error caught, and the run's first failure (a part's, the producer's), when there was one. */
  err: unknown;
  failure: unknown;
  log: PartLog;
  /** Parts an scp -t had begun to write when they failed, and what the retried attempts left. */
  cutShort: readonly LeftPart[];
  left: LeftFiles;
  /** What the files sent over SFTP left under temporary names (PartUploads.tempsLeft). */
  tempsLeft: readonly TempLeft[];
  /** An earlier set's manifest is there. */
  replacing: Promise<boolean>;
  /** --no-clobber's look for the set's names is done: an ERR_EXISTS after it comes from a part. */
  checked: boolean;
  /** The manifest was on its way: its failure may still leave it stored. */
  sendingManifest: boolean;
  /** scp -t confirmed the manifest whole (the wait for its exit status may still have failed). */
  manifestConfirmed?: boolean;
  /** The stream's SHA-256, once cut. */
  setSum: string | undefined;
  retried: boolean;
}

/** The error to throw for `run`; see the file comment. */
export async function partsFailure(run: FailedRun, opts: Pick<PartsOptions, 'signal' | 'protocol' | 'quote' | 'scpPath'>): Promise<unknown> {
  const { err, failure, dir, name, log, cutShort } = run;
  const first = failure ?? err;
  // The manifest's rename was made though the signal came first: the set is whole.
  const stored = run.sendingManifest ? [err, failure].find((e) => isScpipeError(e, 'ERR_ABORTED') && e.stored) as ScpipeError | undefined : undefined;
  if (stored) {
    return new ScpipeError('ERR_ABORTED', `${stored.message}: the parts set ${escapeForTerminal(dir + name)} is complete`, { signal: stored.signal, path: dir + name, sha256: run.setSum, stored: true, cause: stored });
  }
  // The manifest's last ack came, then its scp never ended (a stall, a loss): the set is whole, but that scp's end is not known.
  if (run.manifestConfirmed && isScpipeError(first) && first.code !== 'ERR_CONFLICT' && !opts.signal?.aborted) {
    const shown = escapeForTerminal(dir + name);
    return withMessage(first, `${first.message}; the parts set ${shown} is complete all the same: its manifest ${escapeForTerminal(manifestName(name))} was confirmed whole before that`, { path: dir + name, sha256: run.setSum, cause: first });
  }
  // Refused by the check before the first part: nothing was sent. A part's SFTP rename refused later (a name made meanwhile) is a set left incomplete.
  if (isScpipeError(first, 'ERR_EXISTS') && !run.checked) return first;
  if (isScpipeError(first, 'ERR_CONFLICT')) return first;
  // No name of the set could be made, or the set was named as a directory: nothing was sent.
  if ((isNameTooLong(first) || isScpipeError(first, 'ERR_USAGE')) && log.confirmed === 0 && cutShort.length === 0) return first;
  // An sftp-only host refuses the first scp -t under --protocol scp: no part can go, and that is the whole answer.
  const refused = scpRefusalHint(first, opts.protocol, sftpOnlyAdvice(opts));
  if (refused !== first && !opts.signal?.aborted) return refused;
  const manifest = manifestName(name);
  const manifestCut = run.left.of(manifest, [err, failure].find((e): e is ScpipeError => isScpipeError(e) && e.cutShort?.name === manifest)?.cutShort);
  const said = incomplete(opts.signal?.aborted ? abortError(opts.signal) : first, name, { confirmed: log, cutShort, replacing: await run.replacing, manifestCut }, run.retried);
  // Each file's own (the manifest's too): after a signal the run's error is the signal's, which names none of them.
  const temps = [...run.tempsLeft, ...[failure, err].flatMap((e) => (isScpipeError(e) ? e.tempsLeft ?? [] : []))];
  return withTempsLeft(withMessage(said, said.message, { partsLeft: partsLeft(run, manifestCut) }), temps);
}

// The files the message says are left (incomplete.ts), as data: the parts begun and not confirmed, then the manifest.
function partsLeft(run: FailedRun, manifestCut: CutShort | undefined): CutShort[] {
  const { dir, name } = run;
  const parts = run.cutShort.filter((p) => !run.log.has(p.index)).sort((a, b) => a.index - b.index);
  const left: CutShort[] = parts.map((p) => ({ name: partName(name, p.index), path: dir + partName(name, p.index), written: p.written, size: p.size, ...(p.failed ? { failed: true } : {}) }));
  return manifestCut === undefined ? left : [...left, { ...manifestCut, path: dir + manifestName(name) }];
}
