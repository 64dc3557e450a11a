// --start-timeout DURATION (duration.ts): how long a started `scp -t` or sftp
// subsystem may take to say its first byte (ConnectOptions.startTimeoutMs).
// No 0: a bound that every host fails is no setting, and none at all would
// wait for good on a forced command that never speaks.
import { parseDuration } from './duration';

/** The bound in ms, at least 1; ERR_USAGE for anything else. */
export function parseStartTimeout(text: string): number {
  return parseDuration(text, '--start-timeout', 1, ', more than 0; default 10');
}
