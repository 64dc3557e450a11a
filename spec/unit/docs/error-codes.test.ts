// docs/library.md's table of error codes, checked against the sources: every
// code of lib/errors.ts is listed once, with the exit status the CLI gives it,
// so a code added without its line in the docs fails here; every code is made
// somewhere, and every code the sources make is one of them or told in docs/json.md;
// every field of the error's context is named there too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitStatusFor } from '../../../cli/exit-status';
import { ScpipeError, type ScpipeErrorCode } from '../../../lib/errors';

const ROOT = join(__dirname, '../../..');

// The codes of the ScpipeErrorCode union, in their order.
function codesInSource(): string[] {
  const source = readFileSync(join(ROOT, 'lib/errors.ts'), 'utf8').replace(/\/\/.*$/gm, '');
  const union = /export type ScpipeErrorCode =([\s\S]*?);/.exec(source)?.[1] ?? '';
  return [...union.matchAll(/\|\s*'(ERR_[A-Z_]+)'/g)].map((m) => m[1]!);
}

// The table's rows under "## Error codes": code → the first number of its status cell.
function rowsInDocs(): Array<[string, number]> {
  const text = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
  const section = text.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])]);
}

// The .ts files under `dir`, by their path from the root.
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// The codes the sources make: quoted, not compared with (=== 'ERR_…', isScpipeError(e, 'ERR_…')),
// outside the union itself and the exit statuses' table.
function codesMade(): Map<string, string> {
  const made = new Map<string, string>();
  for (const file of [...sources('lib'), ...sources('cli')]) {
    if (file === join('lib', 'errors.ts') || file === join('cli', 'exit-status.ts')) continue;
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const m of text.matchAll(/(===|!==|isScpipeError\([^,()]*,|case)?\s*'(ERR_[A-Z_]+)'/g)) {
      if (m[1] === undefined && !made.has(m[2]!)) made.set(m[2]!, file);
    }
  }
  return made;
}

describe('the error codes in docs/library.md', () => {
  it('lists every code of lib/errors.ts once, in its order', () => {
    expect(codesInSource().length).toBeGreaterThan(20);
    expect(rowsInDocs().map(([code]) => code)).toEqual(codesInSource());
  });

  it.each(rowsInDocs())('%s: exit status %i, as cli/exit-status.ts maps it', (code, status) => {
    expect(exitStatusFor(new ScpipeError(code as ScpipeErrorCode, 'x'))).toBe(status);
  });

  it('are each made somewhere in lib/ or cli/', () => {
    const made = codesMade();
    expect(codesInSource().filter((code) => !made.has(code))).toEqual([]);
  });

  it('are all the sources make, but for those docs/json.md tells', () => {
    const known = new Set(codesInSource());
    const json = readFileSync(join(ROOT, 'docs/json.md'), 'utf8');
    const untold = [...codesMade()].filter(([code]) => !known.has(code) && !json.includes(`\`${code}\``));
    expect(untold.map(([code, file]) => `${code} (${file})`)).toEqual([]);
  });
});

// The fields of ScpipeErrorContext, and retriesSpent, which the retries set.
function contextFields(): string[] {
  const source = readFileSync(join(ROOT, 'lib/errors.ts'), 'utf8');
  const body = /export interface ScpipeErrorContext \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...[...body.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]!), 'retriesSpent'];
}

describe("the error's context in docs/library.md", () => {
  it('names every field a program may read', () => {
    const text = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
    expect(contextFields().length).toBeGreaterThan(15);
    expect(contextFields().filter((field) => !text.includes(`\`${field}\``))).toEqual([]);
  });
});
