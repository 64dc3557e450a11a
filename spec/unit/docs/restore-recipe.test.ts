// The README's and docs/parts.md's restore without scpipe, run as written
// (NAME replaced, `zstd -d | …` left out) on sets earlier scpipe builds
// stored (spec/fixtures/compat): sha256sum -c passes and the parts joined
// are the stream, also for a set named with a leading '-' or a space.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const STREAM_SHA256 = 'a82bf00588093ce88df4c9770f5dc02675348332ebd10b6934dbda60c612356e';

// The two lines of the recipe in `file`: the sha256sum check and the join, up to `| zstd -d`.
function recipe(file: string): [string, string] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const check = lines.find((l) => /^ {4}sha256sum -c .*NAME\.sha256/.test(l));
  const joins = lines.find((l) => /^ {4}sed -n .*NAME\.sha256 \| xargs/.test(l));
  if (!check || !joins) throw new Error(`${file}: no restore recipe found`);
  return [check.replace(/\s+#.*$/, '').trim(), joins.replace(/ \| zstd -d.*$/, '').trim()];
}

// NAME as a shell word: single-quoted, so a space or a leading '-' is the name's own.
const named = (command: string, name: string): string => command.replace(/NAME/g, `'${name}'`);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-recipe-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['README.md', 'docs/parts.md'])('the restore recipe in %s', (file) => {
  it.each([
    ['5e7921a', '-db.zst'],
    ['5649ec3', '-db.zst'],
    ['5649ec3', 'sp ace é ✓'],
  ])("on a set %s stored, named %j: every part checks out and the parts joined are the stream", (commit, name) => {
    cpSync(join(ROOT, 'spec/fixtures/compat', commit), dir, { recursive: true });
    const [check, joined] = recipe(file);
    const sh = (command: string): Buffer => execFileSync('bash', ['-o', 'pipefail', '-c', command], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(sh(named(check, name)).toString()).toBe(['000000', '000001', '000002'].map((n) => `${name}.${n}: OK\n`).join(''));
    expect(sh(`${named(joined, name)} | sha256sum`).toString()).toBe(`${STREAM_SHA256}  -\n`);
  });
});
