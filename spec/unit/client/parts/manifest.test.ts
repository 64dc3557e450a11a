import { formatManifest, type Manifest } from '../../../../lib/client/parts/manifest';
import { parseManifest } from '../../../../lib/client/parts/manifest-reader';

const hex = (c: string) => c.repeat(64);
const manifest: Manifest = {
  version: 1,
  name: 'db.zst',
  size: 5n,
  partSize: 3n,
  sha256: hex('a'),
  time: '2026-12-03T23:00:00.000Z',
  parts: [
    { name: 'db.zst.000000', size: 3n, sha256: hex('b') },
    { name: 'db.zst.000001', size: 2n, sha256: hex('c') },
  ],
};

describe('manifest', () => {
  it('round-trips, with sha256sum lines and # comments', () => {
    const text = formatManifest(manifest);
    expect(text).toContain(`${hex('b')}  db.zst.000000\n`);
    expect(text.split('\n').filter((l) => l && !l.startsWith('#'))).toHaveLength(2);
    expect(text.endsWith('# end\n')).toBe(true);
    expect(parseManifest(text, 'db.zst')).toEqual(manifest);
  });

  it.each(['db zst', 'a  b c', 'db\rzst', 'db\u2028zst'])('round-trips a set named %j', (name) => {
    const named: Manifest = { ...manifest, name, parts: manifest.parts.map((p, i) => ({ ...p, name: `${name}.00000${i}` })) };
    expect(parseManifest(formatManifest(named), name)).toEqual(named);
  });

  it('reads a manifest with CRLF line ends, as sha256sum -c does', () => {
    const crlf = formatManifest(manifest).replace(/\n/g, '\r\n');
    expect(parseManifest(crlf, 'db.zst')).toEqual(manifest);
  });

  it.each([
    ['comments after "# end"', (t: string) => `${t}# copied to tape\n\n#ok\n`],
    ['a "#" line without a space and an empty line', (t: string) => t.replace('# time', '#checked\n\n# time')],
    ['a note that begins as put\'s lines do', (t: string) => t.replace('# time', '# size of the disk: 4T\n# sha256 checked by bob\n# time')],
  ])('reads a manifest with %s, as sha256sum -c does', (_what, edit) => {
    expect(parseManifest(edit(formatManifest(manifest)), 'db.zst')).toEqual(manifest);
  });

  it.each([
    ['a sum line after "# end"', (t: string) => `${t}${hex('d')}  db.zst.000002\n`, /has a line after "# end": d{64} {2}db\.zst\.000002$/],
    ['a second "# sha256" line', (t: string) => t.replace('# time', `# sha256 ${hex('e')}\n# time`), /has two "# sha256" lines$/],
    ['a newer format version', (t: string) => t.replace('# scpipe parts 1', '# scpipe parts 2'), /is of format version 2, and this scpipe reads version 1: a newer scpipe made it; restore with that one$/],
    // Whatever else it changed: it is named as newer, not refused as broken.
    ['a newer format version with part lines of another form', (t: string) => t.replace('# scpipe parts 1', '# scpipe parts 2').replace(`${hex('b')}  db.zst.000000`, `sha256:${hex('b')} 3 db.zst.p0`), /is of format version 2, and this scpipe reads version 1: a newer scpipe made it; restore with that one$/],
    ['a newer format version without "# end"', (t: string) => t.replace('# scpipe parts 1', '# scpipe parts 3').replace('# end\n', ''), /is of format version 3, and this scpipe reads version 1/],
    ['a newer format version naming its parts otherwise', (t: string) => t.replace('# scpipe parts 1', '# scpipe parts 2').replace(/db\.zst\.00000(\d)/g, 'db.zst.part$1'), /is of format version 2, and this scpipe reads version 1/],
    ['cut short', (t: string) => t.slice(0, t.length - 6), /incomplete/],
    ['a part missing', (t: string) => t.replace(`${hex('b')}  db.zst.000000\n`, ''), /\(line 8\) has "# part db\.zst\.000001" where the sum line of db\.zst\.000000 belongs \(its "# part" line is line 7\)$/],
    ['a part and its size missing', (t: string) => t.replace(`# part db.zst.000000 3\n${hex('b')}  db.zst.000000\n`, ''), /\(line 7\) has "# part db\.zst\.000001" where "# part db\.zst\.000000" belongs$/],
    ['a wrong count', (t: string) => t.replace('# parts 2', '# parts 3'), /lists 2 parts, not 3/],
    // Without the stream's sum, get would fetch every part and only then fail.
    ['no "# sha256" line', (t: string) => t.replace(`# sha256 ${hex('a')}\n`, ''), /has no valid "# sha256" line$/],
    ['a "# sha256" line that is no SHA-256 (a note, then)', (t: string) => t.replace(`# sha256 ${hex('a')}`, '# sha256 abc'), /has no valid "# sha256" line$/],
    ['a wrong total', (t: string) => t.replace('# size 5', '# size 6'), /5 bytes in all, not 6/],
    ['another version', (t: string) => t.replace('# scpipe parts 1', '# scpipe parts 0'), /is not an scpipe parts manifest of version 1$/],
    ['a bad line', (t: string) => t.replace(`${hex('c')}  `, 'zz  '), /bad line/],
    ['a part over part-size', (t: string) => t.replace('# part-size 3', '# part-size 2'), /gives db\.zst\.000000 3 bytes, not its part-size 2$/],
    ['a last part over part-size', (t: string) => t.replace('# part db.zst.000001 2', '# part db.zst.000001 4').replace('# size 5', '# size 7'), /gives db\.zst\.000001 4 bytes, not at most its part-size 3$/],
    ['a part under part-size before the last', (t: string) => t.replace('# part db.zst.000000 3', '# part db.zst.000000 1').replace('# size 5', '# size 3'), /gives db\.zst\.000000 1 bytes, not its part-size 3$/],
    ['a part of 2^62 bytes', (t: string) => t.replace('# part db.zst.000001 2', `# part db.zst.000001 ${2n ** 62n}`).replace('# size 5', `# size ${2n ** 62n + 3n}`), /gives db\.zst\.000001 4611686018427387904 bytes, not at most its part-size 3$/],
  ])('refuses a manifest with %s', (_what, edit, message) => {
    expect(() => parseManifest(edit(formatManifest(manifest)), 'db.zst')).toThrow(message);
  });

  it.each([
    ['a # part line without a size', (long: string) => `# part ${long}`],
    ['a line that is no part', (long: string) => long],
    ['a part of another name', (long: string) => `${hex('d')}  ${long}`],
  ])('says %s from the server in 100 characters at most, escaped', (_what, line) => {
    const text = formatManifest(manifest).replace('# end', `${line(`\x1b]52;c;x\x07${'y'.repeat(1_000_000)}`)}\n# end`);
    let message = '';
    try {
      parseManifest(text, 'db.zst');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('\\x1b]52;c;x\\x07yyy');
    expect(message).not.toMatch(/[\x00-\x1f]/);
    expect(message.length).toBeLessThan(250);
  });
});
