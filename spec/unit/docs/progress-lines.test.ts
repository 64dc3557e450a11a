// The progress lines the docs show a log (--progress, no terminal), checked
// against what cli/progress.ts draws for that state: a line reworded in the
// code and not in the docs fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressLine } from '../../../cli/progress';
import { captured } from '../../helpers/captured-output';

const ROOT = join(__dirname, '../../..');
const MiB = 1024n * 1024n;
const GiB = 1024n * MiB;

// The doc's text with its line breaks and indents as single spaces, so a line wrapped in the source still matches.
const flat = (file: string): string => readFileSync(join(ROOT, file), 'utf8').replace(/\s+/g, ' ');

// The log line written at the end, for the second update, 9 s after the first (before the line of every 10 s).
function logLine(first: Parameters<ProgressLine['update']>[0], second: Parameters<ProgressLine['update']>[0]): string {
  jest.useFakeTimers({ now: 1_000_000 });
  try {
    const { out, text } = captured();
    const line = new ProgressLine(out, 'lines');
    line.update(first);
    jest.advanceTimersByTime(9_000);
    line.update(second);
    line.done();
    return text().trimEnd();
  } finally {
    jest.useRealTimers();
  }
}

describe('the --progress lines in the docs', () => {
  it("docs/nightly.md: a parts upload's line, as put --part-size draws it (parts sending, not in flight)", () => {
    const name = 'home.2026-12-06.tar.zst';
    const confirmed = (29n * GiB) / 10n;
    const parts = (produced: bigint) => ({ produced, inFlight: 2, sending: 2 });
    const drawn = logLine(
      { name, phase: 'transfer', bytes: confirmed - 549n * MiB, parts: parts(3n * GiB - 549n * MiB) },
      { name, phase: 'transfer', bytes: confirmed, parts: parts(3n * GiB) },
    );
    expect(drawn).toBe('scpipe: home.2026-12-06.tar.zst: produced 3 GiB, confirmed 2.9 GiB, 2 part(s) sending, 61 MiB/s');
    expect(/\(`(scpipe: \S+: produced [^`]*)`\)/.exec(flat('docs/nightly.md'))?.[1]).toBe(drawn);
  });
});
