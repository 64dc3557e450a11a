import { ProgressLine } from '../../../cli/progress';

function captured(): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}

describe('ProgressLine', () => {
  it('escapes its label (a remote file name) before it reaches the terminal', () => {
    const { out, text } = captured();
    const line = new ProgressLine('evil\x1b]0;pwned\x07\x1b[2J.bin', out);
    line.update({ phase: 'send', bytes: 5n, total: 10n });
    expect(text()).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J.bin: ');
    expect(text().replace(/^\r|\x1b\[K/g, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('erases itself with done()', () => {
    const { out, text } = captured();
    const line = new ProgressLine('f', out);
    line.update({ phase: 'send', bytes: 1n, total: 1n });
    line.done();
    expect(text().endsWith('\r\x1b[K')).toBe(true);
  });
});
