// What `npm pack` puts in the package, as an installed copy is read: every
// file README.md links to is there (docs/library.md for the library's API),
// and nothing of the repository's own (tests, the bench, the test kit).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

describe('the package', () => {
  const packed = (() => {
    const json = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [{ files: { path: string }[] }];
    return json[0].files.map((f) => f.path);
  })();

  it('has every file README.md links to', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const linked = [...new Set([...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!))];
    expect(linked.length).toBeGreaterThan(3);
    expect(linked.filter((path) => !packed.includes(path))).toEqual([]);
  });

  it('has the licence its package.json names', () => {
    expect(JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).license).toBe('MIT');
    expect(packed).toContain('LICENSE');
    expect(readFileSync(resolve(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  it('has none of the tests, the bench or the test kit', () => {
    expect(packed.filter((p) => /^(spec|testkit|scripts|\.bench|\.ci)\//.test(p))).toEqual([]);
  });
});
