// Progress on stderr, unless -q: while spooling, bytes and rate; while
// transferring, percent, bytes, rate and ETA; for a parts upload, bytes
// produced and confirmed, parts in flight and rate. One line for put, get
// and cp alike (each file of a cp replaces the last). On a terminal it is
// redrawn at most four times a second and erased at the end; elsewhere only
// with --progress, as a plain line every 10 s and one for the last state,
// for logs. When no byte moves for 10 s the line says for how long, still
// redrawn (or a line every 10 s). put to several
// targets has its own line (multi-progress.ts). Times are monotonic: a wall
// clock stepped back (NTP, a resumed VM) froze the line for as long.
import { escapeForTerminal, type Progress } from '../lib';
import { formatBytes, isAskingOnTty } from '../lib/internal';
import { columns, headIn, tailIn } from './columns';
import { endOfLine, eraseLine } from './erase-line';
import { FileTally } from './file-tally';

/** A redrawn line changes at most this often (ms). */
export const REDRAW_MS = 250;
const LINE_EVERY_MS = 10_000;
// No new bytes for this long (a producer, a reader or a link that stalls):
// the line is drawn without an update, and says for how long.
export const STALL_MS = 10_000;
export const TICK_MS = 1_000;

/** What a line adds when nothing moved for `ms` (STALL_MS or more), or ''. */
export function stallNote(ms: number): string {
  return ms >= STALL_MS ? `  (no progress for ${formatEta(ms / 1000)})` : '';
}

/** How progress is shown: redrawn in place on a terminal, or a line now and then (--progress, for logs). */
export type ProgressMode = 'terminal' | 'lines';

/**
 * The mode for -q and --progress, or undefined for none: a terminal unless -q;
 * elsewhere lines only with --progress. --progress asked for wins over -q, which
 * then hides only the banner (a cron job's log wants the lines, not the notice).
 */
export function progressMode(args: { q?: boolean; progress?: boolean }, stderr: { isTTY?: boolean } = process.stderr): ProgressMode | undefined {
  if (args.progress) return stderr.isTTY ? 'terminal' : 'lines';
  if (args.q) return undefined;
  return stderr.isTTY ? 'terminal' : undefined;
}

/** One line of stderr, redrawn in place; in 'lines' mode a plain line at most every 10 s, and the last at done(). */
export class StatusLine {
  private shown = false;
  // A log's first line comes after 10 s, not at the first update (0 bytes, and a rate from a few milliseconds).
  private lastLine = performance.now();
  private pending: string | undefined; // a log's latest text not written yet: done() writes it

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly mode: ProgressMode = 'terminal') {}

  /**
   * Replaces the line with `text`, cut to the terminal's width. Where it
   * starts with `label` (a file's path, often the longest part), the label
   * loses its start first, so the numbers after it stay (as scp's meter).
   */
  draw(text: string, label = ''): void {
    if (this.mode === 'lines') {
      this.pending = text;
      const now = performance.now();
      if (now - this.lastLine >= LINE_EVERY_MS) this.flush(now);
      return;
    }
    // A question on the terminal (one target's host key, while another target's bytes move) is not drawn over.
    if (isAskingOnTty()) return;
    // A terminal of unknown size (a pty made without one, as by script(1)) says 0 columns.
    const width = this.out.columns || 80;
    const cut = headIn(shorten(text, label, width - 1), width - 1);
    this.out.write(`\r${cut}${endOfLine(cut, width)}`);
    this.shown = true;
  }

  /** True when a log's latest state has not been written yet. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** Erases the line; a log gets the last state it has not had yet. */
  done(): void {
    if (this.mode === 'lines') this.flush(performance.now());
    if (this.shown) this.out.write(eraseLine(this.out.columns || 80));
    this.shown = false;
  }

  private flush(now: number): void {
    if (this.pending === undefined) return;
    this.out.write(`scpipe: ${this.pending}\n`);
    this.pending = undefined;
    this.lastLine = now;
  }
}

// `text` in `room` columns by cutting the start of its leading `label` to
// "…" and the end of the path, as far as the label allows (a few columns).
function shorten(text: string, label: string, room: number): string {
  const over = columns(text) - room;
  if (over <= 0 || !label || !text.startsWith(label)) return text;
  const wide = columns(label);
  const keep = Math.max(wide - over - 1, Math.min(wide, 8));
  return keep >= wide ? text : `…${tailIn(label, keep)}${text.slice(label.length)}`;
}

/** The progress line of a command. */
export class ProgressLine {
  private last = -Infinity; // when the line was last drawn
  private readonly line: StatusLine;
  private phaseStart = performance.now();
  // The bytes already there at the phase's first update (a spool's first
  // report comes with megabytes): the rate is of the bytes since, not of
  // all of them over the milliseconds since that update.
  private phaseBytes = 0n;
  private current: Progress | undefined;
  private label = '';
  private readonly files = new FileTally(false); // cp: the files started so far, and their bytes
  private inAll = 0n;
  private firstTransfer: number | undefined; // the rate of all files in flight together is since then
  private undrawn = false; // the latest update came too soon after the last drawn one: done() draws it
  private moved = performance.now(); // when the bytes last changed
  private ticker: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream = process.stderr, mode: ProgressMode = 'terminal') {
    this.line = new StatusLine(out, mode);
  }

  /** A progress line, or undefined when none should be shown (progressMode()). */
  static wanted(args: { q?: boolean; progress?: boolean }): ProgressLine | undefined {
    const mode = progressMode(args);
    return mode && new ProgressLine(process.stderr, mode);
  }

  /** Shows `p`; a new phase or file starts its rate and ETA afresh. */
  readonly update = (given: Progress): void => {
    // A parts set's get: the line follows the bytes received, not those written out a part or more behind.
    const p = given.fetched === undefined ? given : { ...given, bytes: given.fetched };
    const prev = this.current;
    if (given.fetched !== undefined && prev?.name === p.name && prev.phase === p.phase && prev.bytes === p.bytes) return;
    const now = performance.now();
    this.current = p;
    if (!prev || p.bytes !== prev.bytes || p.parts?.produced !== prev.parts?.produced || p.phase !== prev.phase || p.name !== prev.name || p.awaiting !== prev.awaiting) this.moved = now;
    this.ticker ??= setInterval(() => this.tick(), TICK_MS).unref();
    // A set's get is one stream: its bytes received go down when a part is to fetch again, not a new file.
    if (p.phase === 'transfer' && given.fetched === undefined) {
      this.firstTransfer ??= now;
      this.inAll = this.files.add(p);
    }
    // Files in flight together (cp over SFTP) switch names at every update:
    // drawn as often as one file's bytes, not at each switch.
    const together = this.files.inFlight > 1;
    if (!prev || p.phase !== prev.phase || p.name !== prev.name || p.bytes < prev.bytes) {
      this.phaseStart = now;
      this.phaseBytes = p.bytes;
      // The name may be the remote's: escaped here, for every caller.
      if (p.name !== prev?.name) this.label = escapeForTerminal(p.name);
      if (together && now - this.last < REDRAW_MS) {
        this.undrawn = true;
        return;
      }
    } else if (now - this.last < REDRAW_MS && (together || p.bytes !== p.total)) {
      this.undrawn = true;
      return;
    }
    this.render(p, now);
  };

  /**
   * Erases the line (before anything else is printed, and at the end); a log's
   * last line is the latest state. `failed`: the run failed, so that state says
   * the bytes were sent, not that the upload reached 100% (the remote may have refused them);
   * 'lost': the connection was lost and a retry follows, which a run that ends well must not call a failure.
   */
  done(failed: boolean | 'lost' = false): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.current && (this.undrawn || (failed && this.line.waiting))) this.render(this.current, performance.now(), failed);
    this.line.done();
  }

  // While nothing moves no update comes: the line is drawn anyway, saying so.
  private tick(): void {
    const now = performance.now();
    if (this.current && now - this.moved >= STALL_MS) this.render(this.current, now);
  }

  private render(p: Progress, now: number, failed: boolean | 'lost' = false): void {
    this.undrawn = false;
    this.last = now;
    // At the phase's first update no time has passed: no rate yet.
    // Files in flight together: one file's rate since its last switch means nothing; all files' since the first is the rate.
    const rate = this.files.inFlight > 1 && this.firstTransfer !== undefined
      ? (now > this.firstTransfer ? Number(this.inAll) / ((now - this.firstTransfer) / 1000) : undefined)
      : now > this.phaseStart ? Number(p.bytes - this.phaseBytes) / ((now - this.phaseStart) / 1000) : undefined;
    const perSecond = rate === undefined ? '--/s' : `${formatBytes(Math.round(rate))}/s`;
    let text: string;
    if (p.parts) {
      text = `${this.label}: produced ${formatBytes(p.parts.produced)}, confirmed ${formatBytes(p.bytes)}, ${partsInFlight(p.parts)}, ${perSecond}`;
    } else if (p.phase === 'spool') {
      text = `${this.label}: spooling ${formatBytes(p.bytes)}  ${perSecond}`;
    } else if (p.phase === 'verify' && failed) {
      // The upload was whole: what stopped is the read-back, so "sent N of M" would be untrue.
      text = `${this.label}: stored; read back ${formatBytes(p.bytes)} of ${formatBytes(p.total ?? p.bytes)} to verify, then ${failed === 'lost' ? 'the connection was lost' : 'failed'}`;
    } else if (p.total === undefined || failed) {
      // Sent as it comes (SFTP from a pipe): no size to reach yet.
      text = `${this.label}: sent ${formatBytes(p.bytes)}${p.total === undefined ? '' : ` of ${formatBytes(p.total)}`}${failed ? `, then ${failed === 'lost' ? 'the connection was lost' : 'failed'}` : `  ${perSecond}`}`;
    } else if (p.awaiting) {
      // SCP: the bytes are on their way, not stored yet; 100% only once the remote says so.
      text = `${this.label}: sent ${formatBytes(p.bytes)} of ${formatBytes(p.total)}, waiting for the remote to confirm`;
    } else {
      const total = p.total;
      const pct = total === 0n ? 100 : Number((p.bytes * 100n) / total);
      // While nothing moves, an ETA from the rate before is a guess that never comes (scp: "- stalled -").
      const stalled = now - this.moved >= STALL_MS;
      const eta = p.bytes >= total ? formatEta(0) : rate && !stalled ? formatEta(Number(total - p.bytes) / rate) : '--:--';
      text = `${this.label}: ${p.phase === 'verify' ? 'verifying ' : ''}${String(pct).padStart(3)}%  ${formatBytes(p.bytes)} / ${formatBytes(total)}  ${perSecond}  ETA ${eta}`;
      if (this.files.files > 1) text += `  [file ${this.files.files}, ${formatBytes(this.inAll)} in all]`;
    }
    this.line.draw(text + stallNote(now - this.moved), this.label);
  }
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

// Parts sending (at most --parallel) apart from those spooled and waiting for a channel: one more is held (docs/parts.md).
function partsInFlight(parts: NonNullable<Progress['parts']>): string {
  if (parts.sending === undefined) return `${parts.inFlight} part(s) in flight`;
  const waiting = parts.inFlight - parts.sending;
  return `${parts.sending} part(s) sending${waiting > 0 ? `, ${waiting} waiting` : ''}`;
}
