// Waits and bounds that scpipe's own test suite would otherwise sit through
// (a grace after a signal, a default timeout, a listing's most entries).
// Each may be lowered, never raised, by its SCPIPE_TEST_* variable, read
// here and nowhere else: for the tests only (CONTRIBUTING.md); without it
// each is the documented one.

/** The waits (ms) and bounds that may be lowered, by the name of their variable's tail. */
export type TestKnob = 'GRACE_MS' | 'TOUCH_AFTER_MS' | 'CONNECT_TIMEOUT_MS' | 'MIN_LOGIN_MS' | 'MAX_ENTRIES' | 'REPEAT_WINDOW_MS';

/** `value`, or SCPIPE_TEST_`name` when that is a whole number below it. */
export function testLowered(name: TestKnob, value: number): number {
  const raw = process.env[`SCPIPE_TEST_${name}`];
  if (raw === undefined || !/^[1-9]\d*$/.test(raw)) return value;
  return Math.min(Number(raw), value);
}
