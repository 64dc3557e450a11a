// The progress line of `put` to several targets: one line, as for one target,
// with the input read so far and its rate, then each target in a few words
// (spooling, percent sent, confirmed, done, failed). Shown as progress.ts
// shows its line: on a terminal, or with --progress as lines for logs.
import type { Progress } from '../lib';
import { formatBytes } from '../lib/internal';
import { REDRAW_MS, STALL_MS, StatusLine, TICK_MS, progressMode, stallNote } from './progress';

// `spooled`: the target measured the input first, so all of it was taken when its transfer began.
type State = { kind: 'progress'; p: Progress; spooled: boolean } | { kind: 'done' } | { kind: 'failed' } | undefined;

/** One line for several transfers of the same stream; labels are escaped by the caller. */
export class MultiProgressLine {
  private readonly states: State[];
  private readonly started = performance.now();
  private last = -Infinity; // when the line was last drawn
  private read = 0n; // the most any target has taken: the input read so far
  private moved = performance.now(); // when a target's bytes or state last changed
  private seen = ''; // what they were then
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly labels: readonly string[], private readonly line: StatusLine = new StatusLine()) {
    this.states = labels.map(() => undefined);
  }

  /** A line, or undefined when none should be shown (progressMode()). */
  static wanted(args: { q?: boolean; progress?: boolean }, labels: readonly string[]): MultiProgressLine | undefined {
    const mode = progressMode(args);
    return mode && new MultiProgressLine(labels, new StatusLine(process.stderr, mode));
  }

  /** Target `i`'s progress. */
  update(i: number, p: Progress): void {
    const before = this.states[i];
    const spooled = p.phase === 'spool' || (before?.kind === 'progress' && before.spooled);
    this.states[i] = { kind: 'progress', p, spooled };
    this.read = maxBig(this.read, taken(p, spooled));
    // While nothing moves no update comes: the line is drawn anyway, saying so (as progress.ts's).
    this.ticker ??= setInterval(() => performance.now() - this.moved >= STALL_MS && this.redraw(true), TICK_MS).unref();
    this.redraw(false);
  }

  /** Target `i` has ended, well or not. */
  settled(i: number, ok: boolean): void {
    this.states[i] = { kind: ok ? 'done' : 'failed' };
    this.redraw(true);
  }

  /** Erases the line (before anything else is printed, and at the end). */
  done(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.line.done();
  }

  private redraw(now: boolean): void {
    const time = performance.now();
    const state = this.states.map((s) => (s?.kind === 'progress' ? `${s.p.phase} ${s.p.bytes} ${s.p.parts?.produced ?? ''} ${s.p.awaiting ?? ''}` : String(s?.kind))).join();
    if (state !== this.seen) {
      this.seen = state;
      this.moved = time;
    }
    if (!now && time - this.last < REDRAW_MS) return;
    this.last = time;
    const rate = Number(this.read) / Math.max((time - this.started) / 1000, 0.001);
    const each = this.states.map((s, i) => `${this.labels[i]} ${describe(s)}`);
    this.line.draw(`read ${formatBytes(this.read)} ${formatBytes(Math.round(rate))}/s | ${each.join(' | ')}${stallNote(time - this.moved)}`);
  }
}

// The input bytes a target has taken: spooled, produced into parts, or sent as they came.
function taken(p: Progress, spooled: boolean): bigint {
  if (p.parts) return p.parts.produced;
  if (p.phase === 'verify' || (p.phase === 'transfer' && spooled)) return p.total ?? p.bytes;
  return p.bytes;
}

function describe(s: State): string {
  if (s === undefined) return 'connecting';
  if (s.kind !== 'progress') return s.kind;
  const p = s.p;
  if (p.parts) return `${formatBytes(p.bytes)} confirmed`;
  if (p.phase === 'spool') return `spooling ${formatBytes(p.bytes)}`;
  if (p.total === undefined) return formatBytes(p.bytes);
  if (p.awaiting) return 'sent, waiting for the remote to confirm';
  const pct = p.total === 0n ? 100 : Number((p.bytes * 100n) / p.total);
  return `${p.phase === 'verify' ? 'verifying ' : ''}${pct}%`;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
