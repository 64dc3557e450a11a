// --stall-timeout DURATION (duration.ts); 0 turns it off, as it is by default.
import { parseDuration } from './duration';

/** The limit in ms, 0 for none; ERR_USAGE for anything else than a duration. */
export function parseStallTimeout(text: string): number {
  return parseDuration(text, '--stall-timeout', 0, '; 0 for none');
}
