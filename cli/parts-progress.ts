// Progress of a parts upload on a terminal: bytes produced, bytes confirmed,
// parts in flight and the confirmed rate. One line, redrawn at most four
// times a second, erased at the end.
import { escapeForTerminal, type PartsProgress } from '../lib';
import { formatBytes } from '../lib/internal';

const REDRAW_MS = 250;

/** The line for one parts upload. */
export class PartsProgressLine {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();
  private readonly label: string;

  constructor(label: string, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.label = escapeForTerminal(label);
  }

  update(p: PartsProgress): void {
    const now = Date.now();
    if (now - this.last < REDRAW_MS) return;
    this.last = now;
    this.out.write(`\r${partsProgressText(this.label, p, (now - this.started) / 1000).slice(0, (this.out.columns ?? 80) - 1)}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

/** "NAME: produced 1.0 GiB, confirmed 768.0 MiB, 4 parts in flight, 95.2 MiB/s". */
export function partsProgressText(label: string, p: PartsProgress, seconds: number): string {
  const rate = Number(p.confirmed) / Math.max(seconds, 0.001);
  return `${label}: produced ${formatBytes(p.produced)}, confirmed ${formatBytes(p.confirmed)}, ${p.inFlight} part(s) in flight, ${formatBytes(Math.round(rate))}/s`;
}
