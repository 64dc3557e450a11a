// The --json schema of docs/json.md, checked field by field: the fields are
// the rows of the document's table (so the document cannot drift either).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonSummary } from '../../cli/json-summary-recorder';

const DOC = readFileSync(resolve(__dirname, '../../docs/json.md'), 'utf8');
const ERROR_HEADING = '### The `error` object';
const rows = (text: string) => [...text.matchAll(/^\| `(\w+)` \| ((?:\\\||[^|])+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);
const DOCUMENTED = rows(DOC.slice(0, DOC.indexOf(ERROR_HEADING)));
const DOCUMENTED_ERROR = rows(DOC.slice(DOC.indexOf(ERROR_HEADING)).split('\n\n').slice(0, 4).join('\n\n'));

// Each field of `object` is a documented row, and of its row's type.
function expectRows(object: Record<string, unknown>, documented: ReturnType<typeof rows>): void {
  expect(Object.keys(object).sort()).toEqual(documented.map(([field]) => field).sort());
  for (const [field, type] of documented) {
    const value = object[field];
    if (Array.isArray(value)) {
      // `string[]`, `(string \| null)[]`: each element one of the types in the brackets.
      const element = /^\(?(.*?)\)?\[\]$/.exec(type);
      expect(element).not.toBeNull();
      for (const v of value) expect(alternatives(element![1]!)).toContain(typeOf(v));
    } else {
      expect(alternatives(type)).toContain(typeOf(value));
    }
  }
}

export function expectSchema(s: JsonSummary): void {
  expectRows(s as unknown as Record<string, unknown>, DOCUMENTED);
  expect(s.scpipe_json).toBe(1);
  expect(['put', 'get', 'cp']).toContain(s.command);
  expect(typeof s.ok).toBe('boolean');
  expect(Number.isInteger(s.exit_status)).toBe(true);
  expect(s.destinations.every((d) => typeof d === 'string')).toBe(true);
  expect(['scp', 'sftp']).toContain(s.protocol);
  expect(s.protocols).toHaveLength(s.destinations.length);
  for (const p of s.protocols) expect(['scp', 'sftp', null]).toContain(p);
  for (const n of [s.bytes, s.parts, s.retries]) expect(Number.isInteger(n) && n >= 0).toBe(true);
  expect(s.sha256 === null || /^[0-9a-f]{64}$/.test(s.sha256)).toBe(true);
  expect(s.duration_s).toBeGreaterThanOrEqual(0);
  if (s.ok) expect(s.error).toBeNull();
  else {
    expectRows(s.error as unknown as Record<string, unknown>, DOCUMENTED_ERROR);
    expect(s.error!.code).toMatch(/^ERR_[A-Z_]+$/);
    for (const t of s.error!.temps_left) expect(['empty', 'partial', 'whole', 'renaming']).toContain(t.state);
    expect(s.error!.kept_whole).toBe(s.error!.temps_left.some((t) => t.state === 'whole'));
  }
}

const typeOf = (v: unknown): string => (v === null ? 'null' : typeof v);
const alternatives = (type: string): string[] => type.split(/\s*\\\|\s*/);
