// docs/nightly.md's removal of old sets, run as written (keep=14 made 2) in
// a directory of the nightly job's sets: the newest sets stay whole, the
// older go with their manifests, and the parts of an upload still running
// (no manifest yet) are left alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

// The block from `keep=14` to its `done`, as a script.
function recipe(): string {
  const lines = readFileSync(join(ROOT, 'docs/nightly.md'), 'utf8').split('\n');
  const from = lines.indexOf('    keep=14');
  const to = lines.indexOf('    done', from);
  if (from < 0 || to < 0) throw new Error('docs/nightly.md: no removal recipe found');
  return lines.slice(from, to + 1).map((l) => l.slice(4)).join('\n');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-retention-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// A set as put stores it: its parts, then its manifest (with CRLF line ends where asked).
function storeSet(name: string, withManifest: boolean, crlf = false): string[] {
  const parts = ['000000', '000001'].map((n) => `${name}.${n}`);
  for (const p of parts) writeFileSync(join(dir, p), `${p}\n`);
  if (withManifest) {
    const sums = execFileSync('sha256sum', ['--', ...parts], { cwd: dir }).toString();
    const text = `# scpipe parts set, format 1\n${sums}# end\n`;
    writeFileSync(join(dir, `${name}.sha256`), crlf ? text.replace(/\n/g, '\r\n') : text);
  }
  return withManifest ? [...parts, `${name}.sha256`] : parts;
}

describe('the removal of old sets in docs/nightly.md', () => {
  it('keeps the newest sets whole and removes the others, manifest and parts; an upload without its manifest stays', () => {
    storeSet('home.2026-12-01.tar.zst', true, true);
    storeSet('home.2026-12-02.tar.zst', true);
    const kept = [...storeSet('home.2026-12-03.tar.zst', true), ...storeSet('home.2026-12-04.tar.zst', true)];
    const running = storeSet('home.2026-12-05.tar.zst', false);
    execFileSync('bash', ['-e', '-o', 'pipefail', '-c', recipe().replace('keep=14', 'keep=2')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(readdirSync(dir).sort()).toEqual([...kept, ...running].sort());
    for (const m of ['home.2026-12-03.tar.zst.sha256', 'home.2026-12-04.tar.zst.sha256']) execFileSync('sha256sum', ['-c', '--strict', '--quiet', m], { cwd: dir });
  });
});
