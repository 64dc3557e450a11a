// The executable (dist/cli/launch.js) runs the one-file bundle with its V8
// code cache; these check that the build made both, that V8 takes the cache,
// and that a build without the bundle still runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const DIST = path.join(ROOT, 'dist');
const VERSION = (require(path.join(ROOT, 'package.json')) as { version: string }).version;

describe('dist/cli/launch.js', () => {
  it('has a bundle and a code cache that this Node accepts', () => {
    const launch = path.join(DIST, 'cli/launch.js');
    const { BUNDLE, CODE_CACHE } = require(launch) as typeof import('../../../cli/launch');
    expect(existsSync(BUNDLE)).toBe(true);
    expect(existsSync(CODE_CACHE)).toBe(true);
    // In a fresh node, as users run it: V8 refuses a cache made under other flags, and a test worker's may differ.
    const script = `process.stdout.write(String(require(${JSON.stringify(launch)}).compileBundle()?.cachedDataRejected))`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('false');
  });

  it('runs the CLI from the bundle, not from the modules', () => {
    withTempDir((dir) => expect(ownModulesLoaded(dir, DIST)).toEqual([]));
  });

  it('runs the modules when tsc emitted them after the bundle was made, and the bundle again once it is rebuilt', () => {
    withTempDir((tree) => {
      writeFileSync(path.join(tree, 'tsconfig.json'), '{}'); // a source tree, where tsc runs
      const copy = path.join(tree, 'dist');
      for (const part of ['cli', 'lib', 'scpipe.js', 'scpipe.js.cache']) cpSync(path.join(DIST, part), path.join(copy, part), { recursive: true });
      const bundleTime = new Date('2026-01-01T00:00:00Z');
      const later = new Date('2026-01-01T00:00:01Z');
      utimesSync(path.join(copy, 'scpipe.js'), bundleTime, bundleTime);
      utimesSync(path.join(copy, 'cli/run.js'), later, later); // `tsc` after `npm run build`
      expect(ownModulesLoaded(copy, copy)).toContain(path.join(copy, 'cli/run.js'));
      utimesSync(path.join(copy, 'scpipe.js'), later, later); // the bundle rebuilt (a tarball's equal times too)
      expect(ownModulesLoaded(copy, copy)).toEqual([]);
    });
  });

  // A packager's `cp -r dist/` gives the files new times in any order: the bundle still runs.
  it('runs the bundle of a dist/ copied without its times and without its source tree, whatever the times say', () => {
    withTempDir((tree) => {
      const copy = path.join(tree, 'dist'); // no tsconfig.json beside it
      for (const part of ['cli', 'lib', 'scpipe.js', 'scpipe.js.cache']) cpSync(path.join(DIST, part), path.join(copy, part), { recursive: true });
      const bundleTime = new Date('2026-01-01T00:00:00Z');
      const later = new Date('2026-01-01T00:00:01Z');
      utimesSync(path.join(copy, 'scpipe.js'), bundleTime, bundleTime);
      utimesSync(path.join(copy, 'cli/run.js'), later, later);
      expect(ownModulesLoaded(copy, copy)).toEqual([]);
    });
  });

  it('falls back to the modules when there is no bundle (a tsc-only build)', () => {
    withTempDir((copy) => {
      cpSync(path.join(DIST, 'cli'), path.join(copy, 'cli'), { recursive: true });
      cpSync(path.join(DIST, 'lib'), path.join(copy, 'lib'), { recursive: true });
      const out = execFileSync(process.execPath, [path.join(copy, 'cli/launch.js'), 'put', '--help'], { encoding: 'utf8' });
      expect(out).toContain('scpipe put [options] [user@]host:path');
    });
  });
});

// Runs `fn` on a new directory inside the project (so that a copy of dist
// there still finds node_modules), removed afterwards.
function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(ROOT, '.launch-test-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runs `<dist>/cli/launch.js --version` and lists the files under `dist` it
// loaded through require besides launch.js itself: none when the bundle ran
// (it runs as a vm.Script). `dir` holds the require hook.
function ownModulesLoaded(dir: string, dist: string): string[] {
  const hook = path.join(dir, 'hook.js');
  writeFileSync(hook, "process.on('exit', () => require('fs').writeSync(2, JSON.stringify(Object.keys(require.cache))));");
  const launcher = path.join(dist, 'cli/launch.js');
  const out = spawnSync(process.execPath, ['--require', hook, launcher, '--version'], { encoding: 'utf8' });
  expect(out.stdout).toMatch(new RegExp(`^scpipe ${VERSION.replace(/\./g, '\\.')} \\(ssh2 \\d+\\.\\d+\\.\\d+, node v`));
  const loaded = JSON.parse(out.stderr) as string[];
  expect(loaded).toContain(launcher);
  return loaded.filter((f) => f.startsWith(dist + path.sep) && f !== launcher && f !== hook);
}
