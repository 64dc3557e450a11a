// The summaries docs/json.md shows are ones scpipe writes: every field of
// its tables, of its type (a script written from an example finds them all).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonSummary } from '../../../cli/json-summary-recorder';
import { expectSchema } from '../../helpers/json-schema';

const DOC = readFileSync(join(__dirname, '../../../docs/json.md'), 'utf8');
const EXAMPLES = [...DOC.matchAll(/^```json\n(\{"scpipe_json".*\})\n```$/gm)].map((m) => m[1]!);

it('docs/json.md shows summaries, a success and a failure', () => {
  expect(EXAMPLES.map((e) => (JSON.parse(e) as JsonSummary).ok).sort()).toEqual([false, true]);
});

it.each(EXAMPLES.map((e, i) => [i + 1, e]))('its example %i has every documented field, of its type', (_, example) => {
  expectSchema(JSON.parse(example) as JsonSummary);
});
