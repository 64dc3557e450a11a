import { MultiProgressLine } from '../../../cli/multi-progress';
import { StatusLine } from '../../../cli/progress';
import { captured } from '../../helpers/captured-output';

describe('MultiProgressLine (put to several targets)', () => {
  const line = (): { multi: MultiProgressLine; text: () => string; last: () => string } => {
    const { out, text } = captured();
    const multi = new MultiProgressLine(['vault', 'offsite'], new StatusLine(out));
    return { multi, text, last: () => text().split('\r').filter((s) => s !== '' && s !== '\x1b[K').pop()!.replace('\x1b[K', '') };
  };

  it('shows the input read and each target: connecting, spooling, percent sent, one pass, parts, done, failed', () => {
    const { multi, last } = line();
    multi.settled(1, true); // drawn at once
    expect(last()).toMatch(/^read 0 B \S+ B\/s \| vault connecting \| offsite done$/);
    multi.settled(1, false);
    expect(last()).toMatch(/\| vault connecting \| offsite failed$/);
    // Each update redraws at most four times a second: settled() forces the next draw.
    multi.update(0, { name: 'f', phase: 'spool', bytes: 3n * 1024n * 1024n });
    multi.settled(1, false);
    expect(last()).toMatch(/^read 3 MiB \S+ \S+\/s \| vault spooling 3 MiB \| offsite failed$/);
    multi.update(0, { name: 'f', phase: 'transfer', bytes: 1024n * 1024n, total: 4n * 1024n * 1024n });
    multi.settled(1, false);
    expect(last()).toMatch(/^read 4 MiB .* \| vault 25% \| offsite failed$/); // spooled: all of the input was taken
    multi.update(1, { name: 'f', phase: 'transfer', bytes: 5n * 1024n * 1024n });
    multi.settled(0, true);
    expect(last()).toMatch(/^read 5 MiB .* \| vault done \| offsite 5 MiB$/); // SFTP, one pass: no total
    multi.update(1, { name: 'f', phase: 'transfer', bytes: 1024n, parts: { produced: 6n * 1024n * 1024n, inFlight: 2 } });
    multi.settled(0, true);
    expect(last()).toMatch(/^read 6 MiB .* \| vault done \| offsite 1 KiB confirmed$/);
  });

  it('erases itself with done()', () => {
    const { multi, text } = line();
    multi.settled(0, true);
    multi.done();
    expect(text().endsWith('\r\x1b[K')).toBe(true);
  });
});

describe('MultiProgressLine: a stall', () => {
  // put to several targets printed no line while its producer stalled.
  it('a line every 10 s all the same in a log, saying for how long nothing moved', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const multi = new MultiProgressLine(['vault', 'offsite'], new StatusLine(out, 'lines'));
      multi.update(0, { name: 'f', phase: 'transfer', bytes: 3n * 1024n * 1024n });
      multi.update(1, { name: 'f', phase: 'spool', bytes: 3n * 1024n * 1024n });
      jest.advanceTimersByTime(25_000);
      multi.settled(0, true);
      multi.settled(1, true);
      multi.done();
      expect(text().split('\n')).toEqual([
        expect.stringMatching(/^scpipe: read 3 MiB .* \| vault 3 MiB \| offsite spooling 3 MiB {2}\(no progress for 0:10\)$/),
        expect.stringMatching(/^scpipe: read 3 MiB .* \| vault 3 MiB \| offsite spooling 3 MiB {2}\(no progress for 0:20\)$/),
        expect.stringMatching(/^scpipe: read 3 MiB .* \| vault done \| offsite done$/),
        '',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});

// Timed by the monotonic clock, as ProgressLine (progress.test.ts): a wall
// clock stepped back stopped a log's lines for as long as the step.
describe('MultiProgressLine: a wall clock stepped back by an hour', () => {
  it('put to several targets: back, a log still gets its line', () => {
    jest.useFakeTimers({ now: 10_000_000 });
    try {
      const { out, text } = captured();
      const multi = new MultiProgressLine(['vault', 'offsite'], new StatusLine(out, 'lines'));
      multi.update(0, { name: 'f', phase: 'transfer', bytes: 1024n });
      jest.setSystemTime(10_000_000 - 3_600_000);
      for (let s = 1; s <= 10; s++) {
        jest.advanceTimersByTime(1_000);
        multi.update(0, { name: 'f', phase: 'transfer', bytes: BigInt(s) * 1024n * 1024n });
      }
      expect(text().split('\n')).toEqual([expect.stringMatching(/^scpipe: read 10 MiB 1 MiB\/s \| vault 10 MiB \| offsite /), '']);
      multi.done();
    } finally {
      jest.useRealTimers();
    }
  });
});
