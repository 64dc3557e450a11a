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

/**
 * A directory outside a server's root, holding one file `secret`, for each
 * test; after the test it must hold just that file, unchanged: nothing was
 * read through the server and written there, nor anything removed.
 */
export function outsideDirPerTest(): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-outside-'));
    fs.writeFileSync(path.join(dir, 'secret'), 'do not read');
  });
  afterEach(() => {
    if (dir === undefined) return;
    const [left, secret] = [fs.readdirSync(dir), fs.readFileSync(path.join(dir, 'secret'), 'utf8')];
    fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    expect(left).toEqual(['secret']);
    expect(secret).toBe('do not read');
  });
  return () => {
    if (dir === undefined) throw new Error('outsideDirPerTest: only inside a test');
    return dir;
  };
}

/**
 * A directory holding one empty directory `target`, for each test. After
 * the test, once `stop` has ended its server, it must hold just `target`:
 * nothing was left beside the target (a temporary file, a part).
 */
export function targetDirPerTest(prefix: string, stop: () => Promise<void>): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.mkdirSync(path.join(dir, 'target'));
  });
  afterEach(async () => {
    await stop();
    if (dir === undefined) return;
    const left = fs.readdirSync(dir).sort();
    fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    expect(left).toEqual(['target']);
  });
  return () => {
    if (dir === undefined) throw new Error('targetDirPerTest: only inside a test');
    return dir;
  };
}
