import { closeSync, fstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createTempFile, isTempNameFor } from '../../../lib/fs/temp-file';
import { fromBytes } from '../../../lib/util/byte-text';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-temp-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createTempFile (the local sink temp file)', () => {
  it.each([
    ['f', /^\.f\.scpipe-\d+-[A-Za-z0-9]{12}$/],
    ['.bashrc', /^\.scpipe-\d+-[A-Za-z0-9]{12}$/], // `..bashrc`: tmp refuses a `..` in a prefix
    ['a..b', /^\.scpipe-\d+-[A-Za-z0-9]{12}$/],
    ['x'.repeat(240), /^\.scpipe-\d+-[A-Za-z0-9]{12}$/], // too long with the name: NAME_MAX
  ])('makes a private file beside %s', async (name, shape) => {
    const { path, fd } = await createTempFile(join(dir, name));
    try {
      expect(dirname(path)).toBe(dir);
      expect(basename(path)).toMatch(shape);
      expect(Buffer.byteLength(basename(path))).toBeLessThanOrEqual(255);
      expect(fstatSync(fd).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual([basename(path)]);
    } finally {
      closeSync(fd);
    }
  });

  // A Latin-1 name (each byte not UTF-8, carried as a mark) counts one byte a byte, not the three of U+FFFD.
  it('keeps in the temporary name a name that is not UTF-8 and fits NAME_MAX', async () => {
    const name = fromBytes(Buffer.alloc(100, 0xe9));
    const { path, fd } = await createTempFile(join(dir, name));
    closeSync(fd);
    expect(basename(path).startsWith(`.${name}.scpipe-`)).toBe(true);
    expect(readdirSync(dir, { encoding: 'buffer' }).map((n) => n.length)).toEqual([1 + 100 + '.scpipe-'.length + String(process.pid).length + 13]);
  });

  it('makes a new file each time', async () => {
    const a = await createTempFile(join(dir, 'f'));
    const b = await createTempFile(join(dir, 'f'));
    closeSync(a.fd);
    closeSync(b.fd);
    expect(a.path).not.toBe(b.path);
  });

  it('rejects with ENOENT when the directory is missing', async () => {
    await expect(createTempFile(join(dir, 'missing', 'f'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('isTempNameFor (a killed get --output leftover of that very file)', () => {
  it('knows the names createTempFile gives, and no others', async () => {
    const target = join(dir, 'big.img');
    const made = await createTempFile(target);
    closeSync(made.fd);
    expect(isTempNameFor(basename(made.path), target)).toBe(true);
    expect(isTempNameFor('.big.img.scpipe-12-AbCdEfGhIjKl', target)).toBe(true);
    expect(isTempNameFor('.big.img.scpipe-12-AbCdEfGhIjK', target)).toBe(false); // 11 random characters
    expect(isTempNameFor('.big.img.old.scpipe-12-AbCdEfGhIjKl', target)).toBe(false); // another file's
    expect(isTempNameFor('.big.img.scpipe-AbCdEf', target)).toBe(false); // an SFTP upload's remote name
    const long = join(dir, 'x'.repeat(250));
    expect(isTempNameFor('.scpipe-12-AbCdEfGhIjKl', long)).toBe(false); // the shared prefix names no file
  });
});
