// The environment that shortens a wait of the CLI (lib/util/test-waits.ts)
// for a test that must sit through it whole; other tests keep the real one.

/** The grace after a signal (cli/signals.ts GRACE_MS, 10 s) as a test waits it out. */
export const SHORT_GRACE_MS = 2_000;
export const SHORT_GRACE = { SCPIPE_TEST_GRACE_MS: String(SHORT_GRACE_MS) };

/** An SFTP upload's touch of its temporary file after a pause (lib/client/sftp-keep-fresh.ts, 30 s). */
export const SHORT_TOUCH_AFTER_MS = 2_000;
export const SHORT_TOUCH = { SCPIPE_TEST_TOUCH_AFTER_MS: String(SHORT_TOUCH_AFTER_MS) };

/**
 * The handshake's default bound (ConnectTimeout's stand-in, 30 s) and the
 * least a login is given (20 s), lib/transport/handshake-bounds.ts, in the
 * same order, and above 2 s (a ConnectTimeout the tests give): the real
 * server's key exchange must still fit in them on a loaded machine.
 */
export const SHORT_CONNECT_TIMEOUT_S = 8;
export const SHORT_MIN_LOGIN_S = 6;
export const SHORT_HANDSHAKE = {
  SCPIPE_TEST_CONNECT_TIMEOUT_MS: String(SHORT_CONNECT_TIMEOUT_S * 1000),
  SCPIPE_TEST_MIN_LOGIN_MS: String(SHORT_MIN_LOGIN_S * 1000),
};

/** The most entries a listing of one directory may have (lib/sftp/listing.ts MAX_ENTRIES, 1,000,000), as a test reaches it. */
export const SMALL_MAX_ENTRIES = 40_000;
export const SMALL_LISTING = { SCPIPE_TEST_MAX_ENTRIES: String(SMALL_MAX_ENTRIES) };
