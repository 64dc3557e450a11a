import { ProgressLine } from '../../../cli/progress';

function captured(): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
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
    expect(text()).toMatch(/\rsnap: produced 3 KiB, confirmed 1 KiB, 2 part\(s\) in flight, \d+(\.\d+)? \S+\/s/);
  });

  it('erases itself with done()', () => {
    const { out, text } = captured();
    const line = new ProgressLine(out);
    line.update({ name: 'f', phase: 'transfer', bytes: 1n, total: 1n });
    line.done();
    expect(text().endsWith('\r\x1b[K')).toBe(true);
  });
});
