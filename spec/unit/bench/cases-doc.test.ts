// docs/performance.md §1 lists the bench's cases for a reader who reruns it:
// every case in scripts/bench/cases.ts is there, and nothing else is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES } from '../../../scripts/bench/cases';

const ROOT = join(__dirname, '../../..');

// The names in the first column of §1's case table; `pipe-parts-pN` stands for pipe-parts-p1, -p2, ...
function documentedNames(): string[] {
  const doc = readFileSync(join(ROOT, 'docs/performance.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## 1. The benchmark'), doc.indexOf('## 2.'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

const matches = (doc: string, name: string): boolean =>
  doc.endsWith('-pN') ? new RegExp(`^${doc.slice(0, -3)}-p\\d+$`).test(name) : doc === name;

test('every case of the bench is in docs/performance.md §1', () => {
  const doc = documentedNames();
  expect(CASES.map((c) => c.name).filter((name) => !doc.some((d) => matches(d, name)))).toEqual([]);
});

test('docs/performance.md §1 names no case the bench does not have', () => {
  const names = CASES.map((c) => c.name);
  expect(documentedNames().filter((d) => !names.some((name) => matches(d, name)))).toEqual([]);
});
