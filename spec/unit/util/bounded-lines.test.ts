import { BoundedLines } from '../../../lib/util/bounded-lines';

type Line = [text: string, tooLong: boolean];

function linesOf(chunks: string[], max: number): Line[] {
  const said: Line[] = [];
  const lines = new BoundedLines(max, (text, tooLong) => said.push([text, tooLong]));
  for (const chunk of chunks) lines.push(Buffer.from(chunk, 'utf8'));
  lines.end();
  return said;
}

describe('BoundedLines', () => {
  const text = 'one\n\ntwo words\nlast without newline';
  const expected: Line[] = [['one', false], ['', false], ['two words', false], ['last without newline', false]];

  it('says the same lines whole, split at every offset, and byte by byte', () => {
    expect(linesOf([text], 64)).toEqual(expected);
    for (let at = 0; at <= text.length; at++) expect(linesOf([text.slice(0, at), text.slice(at)], 64)).toEqual(expected);
    expect(linesOf([...text], 64)).toEqual(expected);
  });

  it('says no line after a final newline, and none for no bytes', () => {
    expect(linesOf(['a\n'], 8)).toEqual([['a', false]]);
    expect(linesOf([], 8)).toEqual([]);
  });

  it('keeps a line of exactly max bytes, and only the start of a longer one, said too long', () => {
    expect(linesOf(['12345678\nnext\n'], 8)).toEqual([['12345678', false], ['next', false]]);
    expect(linesOf(['123456789\nnext\n'], 8)).toEqual([['12345678', true], ['next', false]]);
    expect(linesOf([...'123456789abc\nnext'], 8)).toEqual([['12345678', true], ['next', false]]);
    expect(linesOf(['123456789abc'], 8)).toEqual([['12345678', true]]);
  });

  it('says a line far longer than max, in many chunks, by its start only', () => {
    expect(linesOf([...Array(1000)].map(() => 'xxxxxxxxxx').concat('\nnext'), 4)).toEqual([['xxxx', true], ['next', false]]);
  });
});
