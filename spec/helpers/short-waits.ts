// The environment that shortens a wait of the CLI (lib/util/test-waits.ts)
// for a test that must sit through it whole; other tests keep the real one.

/** The grace after a signal (cli/signals.ts GRACE_MS, 10 s) as a test waits it out. */
export const SHORT_GRACE_MS = 2_000;
export const SHORT_GRACE = { SCPIPE_TEST_GRACE_MS: String(SHORT_GRACE_MS) };

/** An SFTP upload's touch of its temporary file after a pause (lib/client/sftp-keep-fresh.ts, 30 s). */
export const SHORT_TOUCH_AFTER_MS = 2_000;
export const SHORT_TOUCH = { SCPIPE_TEST_TOUCH_AFTER_MS: String(SHORT_TOUCH_AFTER_MS) };
