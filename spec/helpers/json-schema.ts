// The --json schema of docs/json.md, checked field by field: the fields are
// the rows of the document's table (so the document cannot drift either).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonSummary } from '../../cli/json-summary';

const DOCUMENTED = [...readFileSync(resolve(__dirname, '../../docs/json.md'), 'utf8').matchAll(/^\| `(\w+)` \| ((?:\\\||[^|])+) \|/gm)]
  .map((m) => [m[1]!, m[2]!.trim()] as const);

export function expectSchema(s: JsonSummary): void {
  expect(Object.keys(s).sort()).toEqual(DOCUMENTED.map(([field]) => field).sort());
  for (const [field, type] of DOCUMENTED) {
    const value = (s as unknown as Record<string, unknown>)[field];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'string[]' : typeof value;
    expect(type.split(/\s*\\\|\s*/)).toContain(actual);
  }
  expect(s.scpipe_json).toBe(1);
  expect(['put', 'get', 'cp']).toContain(s.command);
  expect(typeof s.ok).toBe('boolean');
  expect(Number.isInteger(s.exit_status)).toBe(true);
  expect(s.destinations.every((d) => typeof d === 'string')).toBe(true);
  expect(['scp', 'sftp']).toContain(s.protocol);
  for (const n of [s.bytes, s.parts, s.retries]) expect(Number.isInteger(n) && n >= 0).toBe(true);
  expect(s.sha256 === null || /^[0-9a-f]{64}$/.test(s.sha256)).toBe(true);
  expect(s.duration_s).toBeGreaterThanOrEqual(0);
  if (s.ok) expect(s.error).toBeNull();
  else expect(s.error).toEqual({ code: expect.stringMatching(/^ERR_[A-Z_]+$/), message: expect.any(String) });
}
