// Waits that scpipe's own test suite would otherwise sit through (a grace
// after a signal, a default timeout). Each may be shortened, never
// lengthened, by its SCPIPE_TEST_* variable, read here and nowhere else:
// for the tests only (CONTRIBUTING.md); without it each wait is the documented one.

/** The waits that may be shortened, by the name of their variable's tail. */
export type TestWait = 'GRACE_MS' | 'TOUCH_AFTER_MS' | 'CONNECT_TIMEOUT_MS' | 'MIN_LOGIN_MS';

/** `ms`, or SCPIPE_TEST_`name` when that is a whole number of milliseconds below it. */
export function testWaitMs(name: TestWait, ms: number): number {
  const raw = process.env[`SCPIPE_TEST_${name}`];
  if (raw === undefined || !/^[1-9]\d*$/.test(raw)) return ms;
  return Math.min(Number(raw), ms);
}
