// What a parts upload that failed left remotely of the parts it had begun
// but not seen confirmed, by what each file may hold: nothing (its header
// went, the bytes did not), the start of the part, or every byte (sent,
// never confirmed, and listed by no manifest). Said in incomplete.ts.
import type { CutShort } from '../../errors';
import { mostLeft } from '../../protocol/cut-short';
import { escapeForTerminal } from '../../util/escape';
import { describeIndices } from './options';
import { partName } from './names';

/** A part an scp -t had begun: at most `written` of its `size` bytes are there, fewer when its write `failed`. */
export interface LeftPart {
  index: number;
  written: bigint;
  size: bigint;
  failed?: boolean;
}

/**
 * The most each file may hold, by name (a part or the manifest): a retry
 * sends a file again over what an earlier attempt wrote, and scp -t opens
 * it without truncating, so the most any attempt wrote may be there.
 */
export class LeftFiles {
  private readonly most = new Map<string, CutShort>();

  /** Notes what `err` says it left (ScpipeError.cutShort). */
  note(cut: CutShort | undefined): void {
    if (cut === undefined) return;
    this.most.set(cut.name, mostLeft(this.most.get(cut.name), cut)!);
  }

  /** What file `name` may hold, after the attempt that ended with `last`. */
  of(name: string, last?: CutShort): CutShort | undefined {
    this.note(last);
    return this.most.get(name);
  }
}

/** "; left cut short remotely: …; all bytes handed to the connection, none confirmed …: …; may be left empty remotely: …", or "". */
export function describeLeft(name: string, parts: readonly LeftPart[]): string {
  const sorted = [...parts].sort((a, b) => a.index - b.index);
  const short = sorted.filter((p) => p.written > 0n && (p.written < p.size || p.failed === true));
  const whole = sorted.filter((p) => p.size > 0n && p.written === p.size && p.failed !== true).map((p) => p.index);
  const empty = sorted.filter((p) => p.written === 0n).map((p) => p.index);
  const most = (p: LeftPart): string => (p.written < p.size ? `at most ${p.written} of ${p.size} bytes` : `fewer than its ${p.size} bytes: its write failed remotely`);
  const shown = (i: number): string => escapeForTerminal(partName(name, i));
  return (
    (short.length === 0 ? '' : `; left cut short remotely: ${short.map((p) => `${shown(p.index)} (${most(p)})`).join(', ')}`) +
    (whole.length === 0 ? '' : `; all bytes handed to the connection, none confirmed (whole or cut short remotely, in no manifest): ${escapeForTerminal(describeIndices(name, whole))}`) +
    (empty.length === 0 ? '' : `; may be left empty remotely (scp makes a file as it takes its header; one already there keeps its bytes): ${escapeForTerminal(describeIndices(name, empty))}`)
  );
}
