// A fresh temporary directory for each test of a file, removed after it
// (with jest's mocks restored first, so a mocked fs cannot get in the way).
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Registers beforeEach/afterEach; the returned function gives this test's
 * directory. With `mustEndEmpty` (a spool directory), a test that leaves
 * anything in it fails, whatever else happened.
 */
export function tempDirPerTest(prefix: string, opts: { mustEndEmpty?: boolean } = {}): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    if (dir === undefined) return;
    const left = fs.readdirSync(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    if (opts.mustEndEmpty) expect(left).toEqual([]);
  });
  return () => {
    if (dir === undefined) throw new Error('tempDirPerTest: only inside a test');
    return dir;
  };
}
