// The bench refuses a build that would run without its bundle: a copy made
// with `cp -r` measures its start-up from the modules, not the build's own.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unbundledReason } from '../../../scripts/bench/bundled';

function build(times: { run: number; bundle?: number; tree?: boolean }): { dir: string; cli: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-bundled-'));
  if (times.tree !== false) fs.writeFileSync(path.join(root, 'tsconfig.json'), '{}'); // a source tree
  const dir = path.join(root, 'dist');
  fs.mkdirSync(path.join(dir, 'cli'), { recursive: true });
  const cli = path.join(dir, 'cli', 'launch.js');
  fs.writeFileSync(cli, '');
  fs.writeFileSync(path.join(dir, 'cli', 'run.js'), '');
  fs.utimesSync(path.join(dir, 'cli', 'run.js'), times.run, times.run);
  if (times.bundle !== undefined) {
    fs.writeFileSync(path.join(dir, 'scpipe.js'), '');
    fs.utimesSync(path.join(dir, 'scpipe.js'), times.bundle, times.bundle);
  }
  return { dir: root, cli };
}

test.each([
  ['a bundle made after the modules', { run: 1000, bundle: 1001 }, undefined],
  ['a copy that kept the times alike', { run: 1000, bundle: 1000 }, undefined],
  ['modules newer than the bundle (cp -r, or tsc alone)', { run: 1001, bundle: 1000 }, /cli\/run\.js is newer than its scpipe\.js, so it would run without its bundle .*`cp -a`/],
  ['no bundle', { run: 1000 }, /there is no bundle \(scpipe\.js\)/],
  ['modules newer, but a dist/ outside its source tree (launch.js runs the bundle)', { run: 1001, bundle: 1000, tree: false }, undefined],
])('%s', (_what, times, expected) => {
  const { dir, cli } = build(times);
  try {
    const reason = unbundledReason(cli);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
