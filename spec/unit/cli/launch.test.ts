// The executable (dist/cli/launch.js) runs the one-file bundle with its V8
// code cache; these check that the build made both, that V8 takes the cache,
// and that a build without the bundle still runs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const DIST = path.join(ROOT, 'dist');
const VERSION = (require(path.join(ROOT, 'package.json')) as { version: string }).version;

describe('dist/cli/launch.js', () => {
  it('has a bundle and a code cache that this Node accepts', () => {
    const { compileBundle, BUNDLE, CODE_CACHE } = require(path.join(DIST, 'cli/launch.js')) as typeof import('../../../cli/launch');
    expect(existsSync(BUNDLE)).toBe(true);
    expect(existsSync(CODE_CACHE)).toBe(true);
    const script = compileBundle();
    expect(script?.cachedDataRejected).toBe(false);
  });

  it('runs the CLI from the bundle', () => {
    expect(execFileSync(process.execPath, [path.join(DIST, 'cli/launch.js'), '--version'], { encoding: 'utf8' })).toBe(`${VERSION}\n`);
  });

  it('falls back to the modules when there is no bundle (a tsc-only build)', () => {
    // Inside the project, so that the copy still finds node_modules.
    const copy = mkdtempSync(path.join(ROOT, '.launch-test-'));
    try {
      cpSync(path.join(DIST, 'cli'), path.join(copy, 'cli'), { recursive: true });
      cpSync(path.join(DIST, 'lib'), path.join(copy, 'lib'), { recursive: true });
      const out = execFileSync(process.execPath, [path.join(copy, 'cli/launch.js'), 'put', '--help'], { encoding: 'utf8' });
      expect(out).toContain('scpipe put [options] <target>');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
