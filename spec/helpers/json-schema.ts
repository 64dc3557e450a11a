// The --json schema of docs/json.md, checked field by field.
import type { JsonSummary } from '../../cli/json-summary';

export function expectSchema(s: JsonSummary): void {
  expect(Object.keys(s).sort()).toEqual(
    ['bytes', 'command', 'destinations', 'duration_s', 'error', 'exit_status', 'ok', 'parts', 'protocol', 'retries', 'scpipe_json', 'sha256'],
  );
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
