// docs/library.md's table of error codes, checked against the sources: every
// code of lib/errors.ts is listed once, with the exit status the CLI gives it,
// so a code added without its line in the docs fails here.
import { readFileSync } from 'node:fs';
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

describe('the error codes in docs/library.md', () => {
  it('lists every code of lib/errors.ts once, in its order', () => {
    expect(codesInSource().length).toBeGreaterThan(20);
    expect(rowsInDocs().map(([code]) => code)).toEqual(codesInSource());
  });

  it.each(rowsInDocs())('%s: exit status %i, as cli/exit-status.ts maps it', (code, status) => {
    expect(exitStatusFor(new ScpipeError(code as ScpipeErrorCode, 'x'))).toBe(status);
  });
});
