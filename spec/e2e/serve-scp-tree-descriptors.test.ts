// A stock `scp -O -r` download of a tree of many files out of serve, with
// a dangling symbolic link among them (a file gone before it is opened):
// every file arrives whole, the link is reported (scp exits 1), and serve is
// back to the descriptors it had, twice over (a descriptor closed twice
// would close another file's, and a later file would fail or be cut).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { descriptorsOf } from '../helpers/open-files';

const serve = servePerSuite();
const FILES = 300;
const content = (i: number): string => `file ${i}\n`.repeat(i % 7 === 0 ? 40_000 : 1);

const fds = descriptorsOf;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-test-scp-tree-fds-'));
  mkdirSync(join(serve.root, 'tree'));
  for (let i = 0; i < FILES; i++) writeFileSync(join(serve.root, 'tree', `f${i}`), content(i));
  symlinkSync('/nonexistent-target', join(serve.root, 'tree', 'gone'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('scp -O -r of 300 files and a dangling link, twice: all files whole, the link said, no descriptor left open', async () => {
  const pid = serve.process.pid!;
  const before = fds(pid).length;
  for (const round of [1, 2]) {
    const out = join(dir, `out${round}`);
    const r = await runProgram('scp', ['-O', '-r', '-q', ...serve.sshArgs(), '127.0.0.1:/tree', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/gone: No such file or directory/);
    const got = readdirSync(out).filter((n) => n !== 'gone');
    expect(got.length).toBe(FILES);
    const wrong = got.filter((n) => readFileSync(join(out, n), 'utf8') !== content(Number(n.slice(1))));
    expect(wrong).toEqual([]);
    await waitFor(() => fds(pid).length <= before, `serve back to its ${before} descriptors after round ${round}`, 20_000);
    expect(fds(pid).filter((p) => p.includes('/tree/'))).toEqual([]);
  }
}, 120_000);
