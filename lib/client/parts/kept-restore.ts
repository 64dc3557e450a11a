// `get --output FILE --resume` of a parts set: the restore is written into
// FILE.scpipe-partial-<16 hex of the manifest file's SHA-256>, beside FILE,
// under that one name from its first byte, so whatever ends the run (retries
// spent, a signal, SIGKILL, a power cut) leaves it for the next run. That run
// checks its whole parts against the manifest, cuts it back after the last
// one that matches, and fetches from the next part; the file takes FILE's
// name only once whole and checked, as a plain --output does. The manifest's
// sum in the name tells a set stored again under its name (its parts may be
// others now): such a file is refused, never resumed.
import { createHash, type Hash } from 'node:crypto';
import { ScpipeError } from '../../errors';
import { readdir } from '../../fs/byte-fs';
import { fstatFd } from '../../fs/fd';
import { joinName } from '../../fs/join-name';
import { escapeForTerminal } from '../../util/escape';
import { KeptOutput } from '../kept-output';
import { isKeptSetName, keptSetName } from '../kept-names';
import type { DroppedKept } from '../kept-file';
import { partsOf, type Manifest } from './manifest';


/** Where a resumed restore starts. */
export interface ResumePoint {
  /** The first part to fetch. */
  part: number;
  /** The bytes the kept file holds: the parts before `part`, each checked. */
  bytes: bigint;
  /** With a whole-stream sum: the sum of those bytes so far, to go on with. */
  whole?: Hash;
}

/**
 * What a --resume run says: for a set, it checks a kept file (`check`), then
 * starts (`start`); for a single file, it starts (`file`) after `bytes` of
 * the `size` (and `mtime`) the remote file has, having removed the kept files of other versions of it (`dropped`)
 * and, `summed`, read the kept bytes back for the whole file's sum.
 */
export type ResumeEvent =
  | { phase: 'check'; path: string; bytes: bigint }
  | { phase: 'start'; path: string; bytes: bigint; part: number; parts: number; next?: string; cut?: Cut }
  | { phase: 'file'; path: string; bytes: bigint; size: bigint; mtime: number; dropped: DroppedKept[]; summed: boolean };

/** Bytes a kept file lost when it was cut back: the part cut short, or the first whose sum differs, and all after it. */
export interface Cut {
  bytes: bigint;
  /** The part, or '' for bytes past the set's end. */
  part: string;
  why: 'short' | 'differs';
}

/** The kept file of one `get --output FILE --resume`. */
export class KeptRestore extends KeptOutput {
  protected readonly goOn = 'the same command again goes on from its last whole part (each part is checked against the manifest again first), or remove it';

  /** Finds or makes the kept file for `manifest` (its file's SHA-256: `manifestSha256`) and checks what it holds. */
  async open(manifest: Manifest, manifestSha256: string, wholeSum: boolean, signal?: AbortSignal): Promise<ResumePoint> {
    const { dir, file } = await this.beside();
    const own = keptSetName(file, manifestSha256.slice(0, 16));
    const names = await readdir(dir).catch(() => [] as string[]);
    const other = names.find((n) => n !== own && isKeptSetName(n, file));
    if (other !== undefined) {
      const shown = escapeForTerminal(joinName(dir, other));
      throw new ScpipeError(
        'ERR_CONFLICT',
        `${shown} is a restore of another ${escapeForTerminal(manifest.name)}.sha256 than the one on the server now (the set was stored again under its name since), so it is not resumed: remove it to restore this set from its start`,
        { path: joinName(dir, other) },
      );
    }
    const path = joinName(dir, own);
    if (!(await this.openOrMake(path))) {
      const list = partsOf(manifest);
      this.onEvent?.({ phase: 'start', path, bytes: 0n, part: 0, parts: list.count, next: list.count > 0 ? list.at(0).name : undefined });
      return { part: 0, bytes: 0n, whole: wholeSum ? createHash('sha256') : undefined };
    }
    return this.check(manifest, wholeSum, signal);
  }

  // Whole parts from the start that match the manifest; the file is cut back after the last.
  private async check(manifest: Manifest, wholeSum: boolean, signal?: AbortSignal): Promise<ResumePoint> {
    const fd = this.fd!;
    const path = this.path!;
    const size = (await fstatFd(fd)).size;
    this.onEvent?.({ phase: 'check', path, bytes: size });
    const list = partsOf(manifest);
    let whole = wholeSum ? createHash('sha256') : undefined;
    let offset = 0n;
    let index = 0;
    let cut: Cut | undefined;
    for (; index < list.count && offset < size; index++) {
      const entry = list.at(index);
      if (size - offset < entry.size) {
        cut = { bytes: size - offset, part: entry.name, why: 'short' };
        break;
      }
      const sum = createHash('sha256');
      const before = whole?.copy();
      const each = (chunk: Buffer): void => {
        sum.update(chunk);
        whole?.update(chunk);
      };
      await this.readBack(offset, entry.size, each, 'checked', signal);
      if (sum.digest('hex') !== entry.sha256) {
        cut = { bytes: size - offset, part: entry.name, why: 'differs' };
        whole = before; // without this part's bytes
        break;
      }
      offset += entry.size;
    }
    if (cut === undefined && offset < size) cut = { bytes: size - offset, part: '', why: 'short' }; // past the set's end
    if (cut !== undefined) await this.cutBack(offset);
    this.start = offset;
    this.onEvent?.({ phase: 'start', path, bytes: offset, part: index, parts: list.count, next: index < list.count ? list.at(index).name : undefined, cut });
    return { part: index, bytes: offset, whole };
  }
}
