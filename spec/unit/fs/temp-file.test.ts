import { closeSync, fstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createTempFile } from '../../../lib/fs/temp-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-temp-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createTempFile (the local sink temp file, made by tmp-promise)', () => {
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
