// Code written for the library before a manifest's `parts` was made when
// first read (f4ba31b, 1cc1a56) still works on a manifest an earlier scpipe
// wrote (spec/fixtures/compat): the list may be set, deleted and edited, and
// formatManifest() writes what it was left with, as it did.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatManifest, lazyList, type PartEntry } from '../../../../lib/client/parts/manifest';
import { parseManifest } from '../../../../lib/client/parts/manifest-reader';

const FIXTURES = join(__dirname, '../../../fixtures/compat');

describe.each(['5e7921a', '5649ec3'])('a manifest %s wrote, as code written for that version uses it', (commit) => {
  const text = readFileSync(join(FIXTURES, commit, '-db.zst.sha256'), 'utf8');
  const parse = () => parseManifest(text, '-db.zst');

  it('formats back to the same text', () => {
    expect(formatManifest(parse())).toBe(text);
  });

  it('an edited list is what formatManifest writes', () => {
    const m = parse();
    m.parts.pop();
    m.size = 32n;
    const out = formatManifest(m);
    expect(out).toContain('# parts 2\n');
    expect(out).not.toContain('-db.zst.000002');
    expect(parseManifest(out, '-db.zst').parts).toEqual(m.parts);
  });

  it('the list may be set and deleted, as a plain property', () => {
    const m = parse();
    const first: PartEntry[] = m.parts.slice(0, 1);
    m.parts = first;
    expect(m.parts).toBe(first);
    expect(formatManifest(m)).toContain('# parts 1\n');
    const copy: Partial<typeof m> = parse();
    delete copy.parts;
    expect(copy.parts).toBeUndefined();
    expect(Object.keys(parse())).toContain('parts');
    expect(structuredClone(parse()).parts).toHaveLength(3);
  });
});

describe('lazyList', () => {
  it('makes the list once, on first read, then holds it as a plain property', () => {
    let made = 0;
    const o = {} as { list: number[] };
    lazyList(o, 'list', () => [++made]);
    expect(made).toBe(0);
    expect(o.list).toBe(o.list);
    expect(made).toBe(1);
    expect(Object.getOwnPropertyDescriptor(o, 'list')).toMatchObject({ writable: true, enumerable: true, configurable: true });
  });
});
