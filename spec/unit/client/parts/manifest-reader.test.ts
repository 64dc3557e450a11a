import { digestTable, formatManifest, manifestOf, manifestPieces, MAX_PARTS, partsOf, type Manifest } from '../../../../lib/client/parts/manifest';
import { ManifestReader, MAX_LINE_BYTES, parseManifest } from '../../../../lib/client/parts/manifest-reader';

const hex = (c: string) => c.repeat(64);
const name = 'bäck up.zst'; // a space and a two-byte character: a chunk may end inside it
const manifest: Manifest = {
  version: 1,
  name,
  size: 7n,
  partSize: 3n,
  sha256: hex('a'),
  time: '2026-12-03T23:00:00.000Z',
  parts: [
    { name: `${name}.000000`, size: 3n, sha256: hex('b') },
    { name: `${name}.000001`, size: 3n, sha256: hex('c') },
    { name: `${name}.000002`, size: 1n, sha256: hex('d') },
  ],
};

// The reader given `bytes` cut at each of `cuts`: what it reads, or what it says.
function readCut(bytes: Buffer, cuts: number[]): Manifest | string {
  const reader = new ManifestReader(name);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  try {
    return plain(reader.end());
  } catch (err) {
    return (err as Error).message;
  }
}

// A read manifest as a plain object, for toEqual.
const plain = (m: Manifest): Manifest => ({ ...m, parts: [...m.parts] });

describe('ManifestReader: the manifest read as it comes', () => {
  const edits: [string, (t: string) => string][] = [
    ['as put writes it', (t) => t],
    ['with CRLF line ends', (t) => t.replace(/\n/g, '\r\n')],
    ['with a byte order mark', (t) => `\ufeff${t}`],
    ['with no newline after "# end"', (t) => t.slice(0, -1)],
    ['with notes', (t) => t.replace('# time', '# copied by bob\n\n# time') + '# on tape 3\n'],
    ['with a bad line', (t) => t.replace(`${hex('c')}  `, `${hex('c')} `)],
    ['cut short', (t) => t.slice(0, -20)],
    ['with a part over part-size', (t) => t.replace('# part-size 3', '# part-size 2')],
  ];

  it.each(edits)('gives the same at every chunk boundary, and byte by byte: %s', (_what, edit) => {
    const bytes = Buffer.from(edit(formatManifest(manifest)));
    const whole = readCut(bytes, []);
    for (let cut = 0; cut <= bytes.length; cut++) expect(readCut(bytes, [cut])).toEqual(whole);
    for (let cut = 0; cut + 7 <= bytes.length; cut++) expect(readCut(bytes, [cut, cut + 7])).toEqual(whole);
    expect(readCut(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(whole);
  });

  it('reads what put writes, a set with notes, CRLF and a byte order mark alike', () => {
    for (const [, edit] of edits.slice(0, 5)) expect(readCut(Buffer.from(edit(formatManifest(manifest))), [])).toEqual(manifest);
  });

  it('reads a set of a million parts (names past NAME.899999) in pieces, 32 bytes a part', () => {
    const count = 1_000_001;
    const digests = Buffer.alloc(count * 32);
    for (let i = 0; i < count; i++) digests.writeUInt32BE(i, i * 32);
    const big = manifestOf({ version: 1, name, size: 3n * BigInt(count - 1) + 2n, partSize: 3n, sha256: hex('a'), time: manifest.time }, digestTable(name, 3n, count, 2n, digests));
    const reader = new ManifestReader(name);
    let bytes = 0;
    for (const piece of manifestPieces(big, partsOf(big))) {
      expect(piece.length).toBeLessThan(70 * 1024); // never written whole
      bytes += piece.length;
      reader.push(piece);
    }
    const read = reader.end();
    expect(bytes).toBeGreaterThan(110_000_000);
    const parts = partsOf(read);
    expect(parts.count).toBe(count);
    for (const i of [0, 899_999, 900_000, count - 1]) expect(parts.at(i)).toEqual(partsOf(big).at(i));
    expect(parts.at(900_000).name).toBe(`${name}.90000000`);
    expect(parts.at(count - 1).size).toBe(2n);
  });

  it('refuses a set of more parts than put makes at the part past them, having held no more', () => {
    const big = manifestOf({ version: 1, name: 'x', size: 6n, partSize: 1n, sha256: hex('a'), time: manifest.time }, digestTable('x', 1n, 6, 1n, Buffer.alloc(6 * 32)));
    const reader = new ManifestReader('x', 5);
    // A "# parts" line that says 5 (a lie): the part past them is refused.
    for (const piece of manifestPieces(big, partsOf(big))) reader.push(Buffer.from(piece.toString().replace('# parts 6\n', '# parts 5\n')));
    expect(() => reader.end()).toThrow('manifest x.sha256 (line 18) lists more than 5 parts, the most put makes');
    expect((reader as unknown as { digests: Buffer }).digests.length).toBe(5 * 32);
    // Its "# parts" line says so first, the rest unread.
    const counted = new ManifestReader('x', 5);
    counted.push(Buffer.from('# scpipe parts 1\n# size 6\n# part-size 1\n# parts 6\n'));
    expect(counted.settled).toBe(true);
    expect(() => counted.end()).toThrow('manifest x.sha256 (line 4) gives 6 parts, more than 5, the most put makes');
    expect(MAX_PARTS).toBeGreaterThan(2 * 1024 * 1024); // 2 TiB in 1 MiB parts
  });

  it('is settled at the first line wrong once the version is known, so the rest need not be read', () => {
    const text = formatManifest(manifest);
    const reader = new ManifestReader(name);
    reader.push(Buffer.from(text.replace(`${hex('b')}  `, `${hex('b')} `).slice(0, text.indexOf('# part ') + 200)));
    expect(reader.settled).toBe(true);
    expect(() => reader.end()).toThrow(/\(line 8\) has a bad line/);
    // A version line may come later (after a note): not settled before it.
    const late = new ManifestReader(name);
    late.push(Buffer.from(`${hex('e')} x\n# scpipe parts 2\n`.slice(0, 68)));
    expect(late.settled).toBe(false);
    late.push(Buffer.from(`${hex('e')} x\n# scpipe parts 2\n`.slice(68)));
    expect(late.settled).toBe(true);
    expect(() => late.end()).toThrow(/is of format version 2/);
  });

  it('refuses a line too long to be the manifest\'s, whatever the chunks, showing its start escaped', () => {
    const long = `# note \x1b[31m${'y'.repeat(MAX_LINE_BYTES)}\n`;
    const bytes = Buffer.from(formatManifest(manifest).replace('# time', `${long}# time`));
    for (const cuts of [[], [100], [100, 70_000], Array.from({ length: 100 }, (_, i) => i * 1000)]) {
      expect(readCut(bytes, cuts)).toBe(`manifest ${name}.sha256 (line 6) is longer than ${MAX_LINE_BYTES} bytes: # note \\x1b[31m${'y'.repeat(88)}…`);
    }
  });

  // An upload stopped while scp -t wrote the manifest leaves it empty or cut
  // short, maybe mid-line: said as such, never as a bad line of a manifest
  // edited by hand (before: 'lists … where … belongs', 'has a bad line', 'is incomplete (no "# end" line)').
  it('says a manifest cut off anywhere before its "# end" is cut short, and an empty one empty', () => {
    const text = formatManifest(manifest);
    expect(() => parseManifest('', name)).toThrow(`manifest ${name}.sha256 is empty: the upload of ${name} was cut off as its manifest began (or is still running), so the parts set is incomplete`);
    const bytes = Buffer.from(text);
    for (let k = 1; k <= bytes.length - '# end\n'.length + 4; k++) {
      expect(readCut(bytes.subarray(0, k), [])).toBe(`manifest ${name}.sha256 is cut short, after ${k} bytes with no "# end" line: the upload of ${name} did not finish (or is still running), so the parts set is incomplete`);
    }
  });

  it('a bad line before the cut is said as a bad line, not as the cut', () => {
    const text = formatManifest(manifest).replace(`${hex('c')}  `, `${hex('c')} `);
    expect(() => parseManifest(text.slice(0, -20), name)).toThrow(/\(line 10\) has a bad line/);
  });

  // A manifest edited by hand: what is wrong, and on which line; never a stream other than put's.
  it.each([
    ['"# end" with a trailing space', (t: string) => t.replace('# end', '# end '), /\(line 13\) ends in white space: # end $/],
    ['a field with a trailing space', (t: string) => t.replace('# size 7', '# size 7 '), /\(line 2\) ends in white space: # size 7 $/],
    ['a sum line with a trailing tab', (t: string) => t.replace(`${name}.000001\n`, `${name}.000001\t\n`), /\(line 10\) ends in white space: c{64} {2}bäck up\.zst\.000001\\t$/],
    ['two parts swapped', (t: string) => t.replace(`# part ${name}.000000 3\n${hex('b')}  ${name}.000000\n# part ${name}.000001 3\n${hex('c')}  ${name}.000001\n`, `# part ${name}.000001 3\n${hex('c')}  ${name}.000001\n# part ${name}.000000 3\n${hex('b')}  ${name}.000000\n`), /\(line 7\) has "# part bäck up\.zst\.000001" where "# part bäck up\.zst\.000000" belongs$/],
    ['sum lines swapped', (t: string) => t.replace(`${hex('b')}  ${name}.000000`, `${hex('c')}  ${name}.000001`), /\(line 8\) lists bäck up\.zst\.000001 where bäck up\.zst\.000000 belongs$/],
    ['a sum line twice', (t: string) => t.replace(`${hex('b')}  ${name}.000000\n`, `${hex('b')}  ${name}.000000\n${hex('b')}  ${name}.000000\n`), /\(line 9\) lists bäck up\.zst\.000000 where bäck up\.zst\.000001 belongs$/],
    ['a "# part" line twice', (t: string) => t.replace(`# part ${name}.000000 3\n`, `# part ${name}.000000 3\n# part ${name}.000000 3\n`), /\(line 8\) has "# part bäck up\.zst\.000000" where the sum line of bäck up\.zst\.000000 belongs \(its "# part" line is line 7\)$/],
    ['the whole part twice', (t: string) => t.replace(`# part ${name}.000000 3\n${hex('b')}  ${name}.000000\n`, `# part ${name}.000000 3\n${hex('b')}  ${name}.000000\n`.repeat(2)), /\(line 9\) has "# part bäck up\.zst\.000000" where "# part bäck up\.zst\.000001" belongs$/],
    ['the "# part-size" line missing', (t: string) => t.replace('# part-size 3\n', ''), /\(line 7\) has no valid "# part-size" line before its first part$/],
    ['the "# size" line missing', (t: string) => t.replace('# size 7\n', ''), /^manifest bäck up\.zst\.sha256 has no valid "# size" line$/],
    ['the "# sha256" line missing', (t: string) => t.replace(`# sha256 ${hex('a')}\n`, ''), /^manifest bäck up\.zst\.sha256 has no valid "# sha256" line$/],
    ['a "# part" line and no sum line after it', (t: string) => t.replace('# end', `# part ${name}.000003 1\n# end`), /\(line 13\) has "# part bäck up\.zst\.000003" and no sum line for it$/],
    ['a sum line after the "# end"', (t: string) => `${t}${hex('e')}  ${name}.000003\n`, /\(line 14\) has a line after "# end": e{64} {2}bäck up\.zst\.000003$/],
    ['the "# end" line moved up', (t: string) => t.replace('# end\n', '').replace('# time', '# end\n# time'), /\(line 9\) has a line after "# end": b{64} {2}bäck up\.zst\.000000$/],
  ])('refuses a manifest with %s, naming the line', (_what, edit, message) => {
    expect(() => parseManifest(edit(formatManifest(manifest)), name)).toThrow(message);
  });
});
