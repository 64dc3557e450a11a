// A usage error names what was refused one way: "bad --retries -1: give a whole
// number, 0 or more", as "bad --retries "x"", not "invalid" for some and "bad" for others.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(resolve(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => resolve(e.parentPath ?? e.path, e.name));
}

describe('usage errors', () => {
  it('say "bad", never "invalid", for what was given', () => {
    const said = [...sources('lib'), ...sources('cli')].filter((file) => /'ERR_USAGE',\s*[`'"]invalid\b/i.test(readFileSync(file, 'utf8')));
    expect(said.map((file) => file.slice(ROOT.length + 1))).toEqual([]);
  });
});
