// Progress on stderr, only when it is a terminal and not -q: while spooling,
// bytes and rate; while sending, percent, bytes, rate and ETA. One line,
// redrawn at most four times a second, erased at the end.
import { formatBytes } from '../lib/spool/size'; // not the spool itself: `get` shows progress too
import type { PutProgress } from '../lib/client/put';
import { escapeForTerminal } from '../lib/util/escape';

const REDRAW_MS = 250;

/** A progress line for one transfer. */
export class ProgressLine {
  private last = 0;
  private shown = false;
  private phaseStart = Date.now();
  private phase: PutProgress['phase'] | undefined;

  private readonly label: string;

  /** `label` (a file name, possibly the remote's) is escaped here, for every caller. */
  constructor(label: string, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.label = escapeForTerminal(label);
  }

  /** Whether progress should be shown at all. */
  static wanted(quiet: boolean): boolean {
    return !quiet && Boolean(process.stderr.isTTY);
  }

  update(p: PutProgress): void {
    const now = Date.now();
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      this.phaseStart = now;
    } else if (now - this.last < REDRAW_MS && p.bytes !== p.total) {
      return;
    }
    this.last = now;
    const seconds = Math.max((now - this.phaseStart) / 1000, 0.001);
    const rate = Number(p.bytes) / seconds;
    let text: string;
    if (p.phase === 'spool') {
      text = `${this.label}: spooling ${formatBytes(p.bytes)}  ${formatBytes(Math.round(rate))}/s`;
    } else {
      const total = p.total ?? 0n;
      const pct = total === 0n ? 100 : Number((p.bytes * 100n) / total);
      const eta = rate > 0 ? formatEta(Number(total - p.bytes) / rate) : '--:--';
      text = `${this.label}: ${String(pct).padStart(3)}%  ${formatBytes(p.bytes)} / ${formatBytes(total)}  ${formatBytes(Math.round(rate))}/s  ETA ${eta}`;
    }
    const width = this.out.columns ?? 80;
    this.out.write(`\r${text.slice(0, width - 1)}\x1b[K`);
    this.shown = true;
  }

  /** Erases the line. */
  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
