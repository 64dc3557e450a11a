import { tempNameFor } from '../../../lib/client/sftp-paths';
import { isTempNameOf } from '../../../lib/client/sftp-stale';
import { isUploadTempBase } from '../../../lib/fs/store-new';

describe('isTempNameOf: what --remove-stale may remove', () => {
  it('knows the temporary names scpipe gives a target', () => {
    for (let i = 0; i < 50; i++) expect(isTempNameOf(tempNameFor('dir/db.dump').slice('dir/'.length), 'db.dump')).toBe(true);
  });

  it.each([
    ['db.dump', 'the target itself'],
    ['.db.dump.scpipe-abc12', 'a random part too short'],
    ['.db.dump.scpipe-abc1234', 'a random part too long'],
    ['.db.dump.scpipe-ab-12x', 'a character tempNameFor never uses'],
    ['.other.dump.scpipe-abc123', 'another target\'s'],
    ['.db.dump.old.scpipe-abc123', 'a longer name\'s'],
    ['x.db.dump.scpipe-abc123', 'not hidden'],
  ])('leaves %s alone (%s)', (name) => {
    expect(isTempNameOf(name, 'db.dump')).toBe(false);
  });
});

describe('isTempNameOf: a name cut to fit 255 bytes', () => {
  it.each([
    ['250 bytes', 'a'.repeat(250)],
    ['a 4-byte character across the cut', `${'a'.repeat(239)}\u{1F600}b`],
    ['3-byte characters', '\u3042'.repeat(85)],
  ])('%s: its temporary names are known, within 255 bytes, whole characters', (_what, base) => {
    for (let i = 0; i < 20; i++) {
      const temp = tempNameFor(`dir/${base}`).slice('dir/'.length);
      expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(255);
      expect(Buffer.from(temp).toString()).toBe(temp); // no lone surrogate (it would go out as U+FFFD)
      expect(isTempNameOf(temp, base)).toBe(true);
    }
  });
});

describe('isTempNameOf: an older scpipe\'s cut, a 4-byte character cut in half', () => {
  // It cut by UTF-16 units; the lone half went out as U+FFFD.
  const base = `${'a'.repeat(237)}\u{1F600}bbbbb`;
  it('knows it', () => {
    expect(isTempNameOf(`.${'a'.repeat(237)}\uFFFD.scpipe-abc123`, base)).toBe(true);
  });
  it('leaves another name\'s alone', () => {
    expect(isTempNameOf(`.${'a'.repeat(236)}b\uFFFD.scpipe-abc123`, base)).toBe(false);
  });
});

describe('tempNameFor: a target path near PATH_MAX', () => {
  // A 4095-byte target that scp -t writes failed over SFTP: its temporary
  // path was 15 bytes longer than Linux takes.
  it('keeps an absolute temporary path within 4095 bytes, and knows it again', () => {
    const dir = `/${'d'.repeat(100)}`.repeat(39);
    const base = 'f'.repeat(4095 - dir.length - 1);
    const temp = tempNameFor(`${dir}/${base}`);
    expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(4095);
    expect(temp.startsWith(`${dir}/.f`)).toBe(true);
    expect(isTempNameOf(temp.slice(dir.length + 1), base, dir)).toBe(true);
  });

  it('leaves a relative path as NAME_MAX alone allows (the server\'s directory is not known)', () => {
    const temp = tempNameFor(`rel/${'f'.repeat(200)}`);
    expect(temp).toMatch(/^rel\/\.f{200}\.scpipe-[A-Za-z0-9]{6}$/);
  });
});

describe('isUploadTempBase: any name scpipe gives a temporary file', () => {
  it.each([
    ['.db.scpipe-AbC123', true],
    ['.home.tar.zst.000003.scpipe-Ab12Cd', true],
    ['.x.scpipe-abcdef', true],
    ['db.scpipe-AbC123', false], // no leading dot: not a name scpipe gives
    ['.scpipe-AbC123', false], // no NAME
    ['.db.scpipe-AbC12', false],
    ['.db.scpipe-AbC1234', false],
    ['.db.scpipe-AbC12-', false],
    ['.db.scpipo-AbC123', false],
    ['.profile', false],
  ])('%s: %s', (name, is) => {
    expect(isUploadTempBase(name)).toBe(is);
  });
});
