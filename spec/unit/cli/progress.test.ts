import { columns } from '../../../cli/columns';
import { ProgressLine, progressMode } from '../../../cli/progress';
import { captured } from '../../helpers/captured-output';

// Time passes (timers fire) until the fake clock reads `ms`: the lines time
// themselves by the monotonic clock, which jest.setSystemTime() does not move.
function advanceTo(ms: number): void {
  jest.advanceTimersByTime(ms - Date.now());
}

describe('ProgressLine', () => {
  it('escapes the file name (possibly the remote\'s) before it reaches the terminal', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'evil\x1b]0;pwned\x07\x1b[2J.bin', phase: 'transfer', bytes: 5n, total: 10n });
    expect(text()).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J.bin:  50%');
    expect(text().replace(/^\r|\x1b\[K/g, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('shows spooling, then the transfer, of put, get and each file of cp alike', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'db.dump', phase: 'spool', bytes: 2048n });
    expect(text()).toMatch(/\rdb\.dump: spooling 2 KiB {2}\S+/);
    line.update({ name: 'db.dump', phase: 'transfer', bytes: 0n, total: 2048n });
    expect(text()).toMatch(/\rdb\.dump: {3}0% {2}0 B \/ 2 KiB/);
    line.update({ name: 'next', phase: 'transfer', bytes: 1n, total: 1n }); // a new file is drawn at once
    expect(text()).toMatch(/\rnext: 100% {2}1 B \/ 1 B/);
  });

  it('shows a parts upload: produced, confirmed, parts in flight', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'snap', phase: 'transfer', bytes: 1024n, parts: { produced: 3072n, inFlight: 2 } });
    expect(text()).toMatch(/\rsnap: produced 3 KiB, confirmed 1 KiB, 2 part\(s\) in flight, --\/s/);
  });

  it('tells the parts of an upload sending from the one spooled and waiting for a channel', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'snap', phase: 'transfer', bytes: 1024n, parts: { produced: 5120n, inFlight: 5, sending: 4 } });
    expect(text()).toMatch(/\rsnap: produced 5 KiB, confirmed 1 KiB, 4 part\(s\) sending, 1 waiting, --\/s/);
    const none = captured();
    new ProgressLine(none.out).update({ name: 'snap', phase: 'transfer', bytes: 2048n, parts: { produced: 5120n, inFlight: 3, sending: 3 } });
    expect(none.text()).toMatch(/\rsnap: produced 5 KiB, confirmed 2 KiB, 3 part\(s\) sending, --\/s/);
  });

  // A spool's first report comes with the megabytes read so far: a rate of
  // them over the milliseconds since said "28.3 GiB/s" for a 190 MiB/s pipe.
  it('gives no rate at a phase\'s first update, then the rate of the bytes since', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out);
      line.update({ name: 'b.bin', phase: 'spool', bytes: 30n * 1024n * 1024n });
      expect(text()).toMatch(/\rb\.bin: spooling 30 MiB {2}--\/s\x1b\[K$/);
      advanceTo(1_001_000);
      line.update({ name: 'b.bin', phase: 'spool', bytes: 40n * 1024n * 1024n });
      expect(text()).toMatch(/\rb\.bin: spooling 40 MiB {2}10 MiB\/s\x1b\[K$/);
      line.update({ name: 'b.bin', phase: 'transfer', bytes: 256n * 1024n, total: 40n * 1024n * 1024n });
      expect(text()).toMatch(/\rb\.bin: {3}0% {2}256 KiB \/ 40 MiB {2}--\/s {2}ETA --:--\x1b\[K$/);
      advanceTo(1_002_000);
      line.update({ name: 'b.bin', phase: 'transfer', bytes: 20n * 1024n * 1024n + 256n * 1024n, total: 40n * 1024n * 1024n });
      expect(text()).toMatch(/\rb\.bin: {2}50% {2}20\.3 MiB \/ 40 MiB {2}20 MiB\/s {2}ETA 0:01\x1b\[K$/);
      line.done();
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows the whole line on a terminal that says it has 0 columns (a pty made without a size)', () => {
    const { out, text } = captured();
    (out as { columns: number }).columns = 0;
    new ProgressLine(out).update({ name: 'f', phase: 'transfer', bytes: 1n, total: 1n });
    expect(text()).toMatch(/\rf: 100% {2}1 B \/ 1 B {2}--\/s {2}ETA 0:00\x1b\[K$/);
  });

  // cp -r on an 80-column terminal: a long path left no room for the
  // percent, rate and ETA, cut off at the right edge.
  it('on a narrow terminal shortens a long path from its start, keeping the numbers', () => {
    const { out, text } = captured();
    (out as { columns: number }).columns = 60;
    const line = new ProgressLine(out);
    const name = '/home/me/photos/2026/holiday/day-03/IMG_20260714_101500.jpg';
    line.update({ name, phase: 'transfer', bytes: 1n, total: 2n });
    const drawn = text().replace(/^\r|\x1b\[K$/g, '');
    expect(drawn).toHaveLength(59);
    expect(drawn).toMatch(/^…[^ ]*\/IMG_20260714_101500\.jpg:  50% {2}1 B \/ 2 B {2}\S+( \S+)?\/s {2}ETA \S+$/);
  });

  // A photo named in Chinese on an 80-column terminal: each character takes
  // two columns, so a line cut at 79 characters wrapped, and every redraw
  // ("\r" goes back to the start of the last row only) left a row behind.
  it('cuts a line of wide characters (CJK, emoji) by the columns they take, not by their count', () => {
    const { out, text } = captured();
    (out as { columns: number }).columns = 80;
    const line = new ProgressLine(out);
    line.update({ name: `${'写'.repeat(60)}😀.jpg`, phase: 'transfer', bytes: 1n, total: 2n });
    const drawn = text().replace(/^\r|\x1b\[K$/g, '');
    expect(columns(drawn)).toBeLessThanOrEqual(79);
    expect(drawn).toMatch(/^…写+😀\.jpg:  50% {2}1 B \/ 2 B {2}\S+( \S+)?\/s {2}ETA \S+$/);
    // No character cut in two: a lone surrogate would print as garbage.
    expect(drawn).not.toMatch(/\p{Cs}/u);
  });

  it('erases itself with done()', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'f', phase: 'transfer', bytes: 1n, total: 1n });
    line.done();
    expect(text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('on TERM=dumb (Emacs shell-mode, which prints ESC[K as ^[[K) blanks the line with spaces instead', () => {
    const term = process.env.TERM;
    process.env.TERM = 'dumb';
    try {
      const { out, text } = captured();
      (out as { columns: number }).columns = 40;
      const line = new ProgressLine(out);
      line.update({ name: 'f', phase: 'transfer', bytes: 1n, total: 1n });
      line.done();
      expect(text()).not.toContain('\x1b');
      const drawn = text().split('\r').filter(Boolean);
      expect(drawn[0]).toMatch(/^f: 100% .* +$/);
      expect(drawn.map((d) => d.length)).toEqual([39, 39]);
      expect(text().endsWith(`\r${' '.repeat(39)}\r`)).toBe(true);
    } finally {
      if (term === undefined) delete process.env.TERM;
      else process.env.TERM = term;
    }
  });
});

describe('--progress: lines for logs where stderr is not a terminal', () => {
  it('the mode: a terminal unless -q; elsewhere lines only with --progress, which -q does not silence', () => {
    expect(progressMode({ q: false }, { isTTY: true })).toBe('terminal');
    expect(progressMode({ q: true }, { isTTY: true })).toBeUndefined();
    expect(progressMode({ q: true, progress: true }, { isTTY: true })).toBe('terminal');
    expect(progressMode({ q: false }, {})).toBeUndefined();
    expect(progressMode({ q: false, progress: true }, {})).toBe('lines');
    expect(progressMode({ q: true, progress: true }, {})).toBe('lines');
  });

  it('a plain line, prefixed, every 10 s from the start (none at the first update) and the last state at the end, with no control characters', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out, 'lines');
      line.update({ name: 'db.zst', phase: 'spool', bytes: 1024n });
      advanceTo(1_005_000);
      line.update({ name: 'db.zst', phase: 'spool', bytes: 5n * 1024n * 1024n }); // moving: no stall line at 10 s
      advanceTo(1_010_000);
      line.update({ name: 'db.zst', phase: 'spool', bytes: 10n * 1024n * 1024n });
      advanceTo(1_015_000);
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 0n, total: 4096n }); // a new phase, but within 10 s
      advanceTo(1_020_000);
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 2048n, total: 4096n });
      advanceTo(1_021_000);
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 4096n, total: 4096n }); // the last state: written at done()
      line.done();
      line.done(); // once
      const lines = text().split('\n');
      expect(lines).toEqual([
        expect.stringMatching(/^scpipe: db\.zst: spooling 10 MiB {2}1 MiB\/s$/),
        expect.stringMatching(/^scpipe: db\.zst: {2}50% {2}2 KiB \/ 4 KiB /),
        expect.stringMatching(/^scpipe: db\.zst: 100% {2}4 KiB \/ 4 KiB /),
        '',
      ]);
      expect(text()).not.toMatch(/[\r\x1b]/);
    } finally {
      jest.useRealTimers();
    }
  });
  // A parts set's get writes each part out only once it is checked: its line
  // said 0% while the first parts came in, then jumped a part at a time at the spool's rate.
  it('a parts set\'s get: the line follows the bytes received, ahead of those written out', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out, 'lines');
      const MiB = 1024n * 1024n;
      const total = 40n * MiB;
      line.update({ name: 'set', phase: 'transfer', bytes: 0n, total, fetched: 1n * MiB });
      advanceTo(1_005_000);
      line.update({ name: 'set', phase: 'transfer', bytes: 0n, total, fetched: 6n * MiB });
      advanceTo(1_010_000);
      line.update({ name: 'set', phase: 'transfer', bytes: 0n, total, fetched: 11n * MiB });
      advanceTo(1_015_000);
      line.update({ name: 'set', phase: 'transfer', bytes: 0n, total, fetched: 16n * MiB });
      advanceTo(1_020_000);
      line.update({ name: 'set', phase: 'transfer', bytes: 0n, total, fetched: total });
      for (let out = 4n * MiB; out <= total; out += 4n * MiB) line.update({ name: 'set', phase: 'transfer', bytes: out, total, fetched: total });
      line.done();
      expect(text().split('\n')).toEqual([
        'scpipe: set:  27%  11 MiB / 40 MiB  1 MiB/s  ETA 0:29',
        expect.stringMatching(/^scpipe: set: 100% {2}40 MiB \/ 40 MiB {2}1\.\d+ MiB\/s {2}ETA 0:00$/),
        '',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
  // SFTP from a pipe has no total, so its last update was often skipped as
  // too soon after the one before: a log's last line said "sent 14.7 MiB"
  // of an upload of 28.6 MiB that had ended well.
  it('the last line is the latest state, also when that update came too soon to be drawn', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out, 'lines');
      line.update({ name: 'h.bin', phase: 'transfer', bytes: 1024n });
      advanceTo(1_005_000);
      line.update({ name: 'h.bin', phase: 'transfer', bytes: 5n * 1024n * 1024n });
      advanceTo(1_010_000);
      line.update({ name: 'h.bin', phase: 'transfer', bytes: 10n * 1024n * 1024n }); // a line
      advanceTo(1_010_100);
      line.update({ name: 'h.bin', phase: 'transfer', bytes: 20n * 1024n * 1024n }); // 100 ms later: not drawn yet
      line.done();
      expect(text().split('\n')).toEqual([
        expect.stringMatching(/^scpipe: h\.bin: sent 10 MiB /),
        expect.stringMatching(/^scpipe: h\.bin: sent 20 MiB /),
        '',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
  // A producer that stalls for minutes sends no update: the log had no line
  // for the whole stall, and a terminal kept the last rate and ETA.
  it('a stall: a line every 10 s all the same, saying for how long nothing moved', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out, 'lines');
      line.update({ name: 'db.zst', phase: 'spool', bytes: 3n * 1024n * 1024n });
      jest.advanceTimersByTime(35_000); // no update
      line.update({ name: 'db.zst', phase: 'spool', bytes: 4n * 1024n * 1024n });
      line.done();
      expect(text().split('\n')).toEqual([
        expect.stringMatching(/^scpipe: db\.zst: spooling 3 MiB {2}\S+ \S+\/s {2}\(no progress for 0:10\)$/),
        expect.stringMatching(/^scpipe: db\.zst: spooling 3 MiB {2}\S+ \S+\/s {2}\(no progress for 0:20\)$/),
        expect.stringMatching(/^scpipe: db\.zst: spooling 3 MiB {2}\S+ \S+\/s {2}\(no progress for 0:30\)$/),
        expect.stringMatching(/^scpipe: db\.zst: spooling 4 MiB {2}\S+ \S+\/s$/),
        '',
      ]);
      jest.advanceTimersByTime(60_000);
      expect(text().split('\n')).toHaveLength(5); // done(): no more lines
    } finally {
      jest.useRealTimers();
    }
  });

  it('a stall on a terminal: the line is redrawn each second with the time', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out);
      line.update({ name: 'f', phase: 'transfer', bytes: 1024n, total: 4096n });
      jest.advanceTimersByTime(1_000);
      line.update({ name: 'f', phase: 'transfer', bytes: 2048n, total: 4096n });
      expect(text()).toMatch(/\rf: {2}50% {2}2 KiB \/ 4 KiB {2}\S+ KiB\/s {2}ETA 0:0[12]\x1b\[K$/);
      jest.advanceTimersByTime(12_000);
      // No ETA while stalled: "ETA 0:02" for a minute would be a promise broken.
      expect(text()).toMatch(/\rf: {2}50% {2}2 KiB \/ 4 KiB .* {2}ETA --:-- {2}\(no progress for 0:12\)\x1b\[K$/);
      line.done();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('ProgressLine: sizes not known yet, and cp\'s files', () => {
  it('a transfer of unknown size (SFTP from a pipe) says what was sent, with no percent or ETA', () => {
    const { out, text } = captured();
    new ProgressLine(out).update({ name: 'h.bin', phase: 'transfer', bytes: 5n * 1024n * 1024n });
    expect(text()).toMatch(/\rh\.bin: sent 5 MiB {2}--\/s\x1b\[K$/);
    expect(text()).not.toMatch(/%|ETA/);
  });

  it('from the second file of a cp on: which file, and the bytes of all so far', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'a', phase: 'transfer', bytes: 1024n, total: 1024n });
    expect(text()).not.toContain('[file');
    line.update({ name: 'b', phase: 'transfer', bytes: 0n, total: 2048n });
    line.update({ name: 'b', phase: 'transfer', bytes: 2048n, total: 2048n });
    expect(text()).toMatch(/\rb: 100% {2}2 KiB \/ 2 KiB .*\[file 2, 3 KiB in all\]\x1b\[K$/);
  });

  // cp over SFTP has up to 16 small files in flight: their updates interleave.
  // Each switch of name once counted a file again ("[file 6, 3 KiB in all]" for 2 files of 1 KiB).
  it('files in flight together: each counted once, with its latest bytes', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    for (const [name, bytes] of [['a', 0n], ['b', 0n], ['a', 512n], ['b', 512n], ['a', 1024n], ['b', 1024n]] as const) {
      line.update({ name, phase: 'transfer', bytes, total: 1024n });
    }
    expect(text()).toMatch(/\rb: 100% {2}1 KiB \/ 1 KiB .*\[file 2, 2 KiB in all\]\x1b\[K$/);
  });

  // 16 files in flight switch names at every update: the line was redrawn at
  // each switch, jumping between names, each with a rate of "--/s".
  it('files in flight together: drawn at most every 250 ms, with the rate of all of them', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out);
      const names = Array.from({ length: 16 }, (_, i) => `f${i}`);
      for (const name of names) line.update({ name, phase: 'transfer', bytes: 0n, total: 1024n * 1024n });
      for (let step = 1; step <= 4; step++) {
        advanceTo(1_000_000 + step * 100);
        for (const name of names) line.update({ name, phase: 'transfer', bytes: BigInt(step) * 128n * 1024n, total: 1024n * 1024n });
      }
      // 80 updates over 400 ms: the first drawn, then one each 250 ms.
      expect(text().split('\r').filter((d) => d.startsWith('f'))).toHaveLength(2);
      advanceTo(1_001_000);
      line.update({ name: 'f0', phase: 'transfer', bytes: 5n * 128n * 1024n, total: 1024n * 1024n });
      // 8.1 MiB of all files in the second since the first update.
      expect(text()).toMatch(/\rf0: {2}62% {2}640 KiB \/ 1 MiB {2}8\.1 MiB\/s {2}ETA 0:00 {2}\[file 16, 8\.1 MiB in all\]\x1b\[K$/);
      line.done();
    } finally {
      jest.useRealTimers();
    }
  });

  // SFTP from a pipe and parts have no total to reach: their last update
  // may fall within the redraw interval, and the log's last line must be it.
  it('the last state of a stream of unknown size, even when its last update came within the redraw interval', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out, 'lines');
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 0n });
      advanceTo(1_005_000);
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 128n * 1024n });
      advanceTo(1_011_000);
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 256n * 1024n }); // written: 10 s have passed
      advanceTo(1_011_100);
      line.update({ name: 'db.zst', phase: 'transfer', bytes: 3n * 1024n * 1024n }); // skipped: 100 ms after the last
      line.done();
      expect(text().split('\n')).toEqual([
        expect.stringMatching(/^scpipe: db\.zst: sent 256 KiB /),
        expect.stringMatching(/^scpipe: db\.zst: sent 3 MiB /),
        '',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});

// The lines are timed by the monotonic clock: a wall clock stepped back
// (NTP, a VM resumed) stopped a log's lines and a terminal's redraws for as
// long as the step; one stepped forward said "no progress for 1:00:00" of a
// transfer that was moving, and gave a rate diluted by the hour.
describe('a wall clock stepped by an hour', () => {
  it('back: a log still gets its line every 10 s', () => {
    jest.useFakeTimers({ now: 10_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out, 'lines');
      line.update({ name: 'db.zst', phase: 'spool', bytes: 1024n });
      jest.setSystemTime(10_000_000 - 3_600_000);
      for (let s = 1; s <= 10; s++) {
        jest.advanceTimersByTime(1_000);
        line.update({ name: 'db.zst', phase: 'spool', bytes: BigInt(s) * 1024n * 1024n });
      }
      expect(text().split('\n')).toEqual([expect.stringMatching(/^scpipe: db\.zst: spooling 10 MiB {2}1 MiB\/s$/), '']);
      line.done();
    } finally {
      jest.useRealTimers();
    }
  });

  it('forward: a moving transfer is not said to have stalled, and its rate is its own', () => {
    jest.useFakeTimers({ now: 10_000_000 });
    try {
      const { out, text } = captured();
      const line = new ProgressLine(out);
      line.update({ name: 'f', phase: 'transfer', bytes: 0n, total: 8n * 1024n * 1024n });
      jest.setSystemTime(10_000_000 + 3_600_000);
      jest.advanceTimersByTime(1_000);
      line.update({ name: 'f', phase: 'transfer', bytes: 1024n * 1024n, total: 8n * 1024n * 1024n });
      expect(text()).not.toMatch(/no progress/);
      expect(text()).toMatch(/\rf: {2}12% {2}1 MiB \/ 8 MiB {2}1 MiB\/s {2}ETA 0:07\x1b\[K$/);
      line.done();
    } finally {
      jest.useRealTimers();
    }
  });
});
