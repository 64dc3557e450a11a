// What tsc emitted for a module since removed is taken out of dist by the
// build (scripts/prune-dist.js), so `npm pack` does not ship it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

describe('scripts/prune-dist.js', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'scpipe-prune-'));
    for (const f of ['lib/a.ts', 'lib/sub/b.ts', 'cli/c.ts']) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    for (const f of ['lib/a', 'lib/sub/b', 'cli/c', 'lib/gone', 'lib/old/x', 'cli/was']) {
      mkdirSync(join(root, 'dist', f, '..'), { recursive: true });
      for (const ext of ['.js', '.js.map', '.d.ts']) writeFileSync(join(root, 'dist', f + ext), '');
    }
    writeFileSync(join(root, 'dist/scpipe.js'), '');
    writeFileSync(join(root, 'dist/lib/notes.txt'), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes the outputs of sources that are gone, and nothing else', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/prune-dist.js'), root]);
    expect(files(join(root, 'dist'))).toEqual([
      'cli/c.d.ts', 'cli/c.js', 'cli/c.js.map',
      'lib/a.d.ts', 'lib/a.js', 'lib/a.js.map', 'lib/notes.txt',
      'lib/sub/b.d.ts', 'lib/sub/b.js', 'lib/sub/b.js.map',
      'scpipe.js',
    ]);
    expect(existsSync(join(root, 'dist/lib/old'))).toBe(false);
  });

  it('runs in the build, after tsc', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json && node scripts\/prune-dist\.js && /);
  });
});
