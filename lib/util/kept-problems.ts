// The problems of a copy that goes on after them (an unreadable file, a FIFO,
// a refused name): each is said as it happens (onProblem), the first is
// thrown at the end, and only the first few are kept, since a tree of
// 200,000 unreadable files would otherwise hold 200,000 errors (~160 MiB).
import type { ScpipeError } from '../errors';

/** Problems kept for a caller to look at; the rest are counted. */
export const KEPT_PROBLEMS = 100;

/** See the file comment. */
export class KeptProblems {
  private readonly kept: ScpipeError[] = [];
  /** Every problem added, kept or not. */
  count = 0;

  add(err: ScpipeError): void {
    this.count++;
    if (this.kept.length < KEPT_PROBLEMS) this.kept.push(err);
  }

  /** The first problem, thrown at the copy's end. */
  get first(): ScpipeError | undefined {
    return this.kept[0];
  }

  /** The first KEPT_PROBLEMS problems. */
  get items(): readonly ScpipeError[] {
    return this.kept;
  }
}
