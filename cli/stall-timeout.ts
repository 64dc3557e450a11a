// --stall-timeout DURATION: seconds, or a number with s, m or h (sshd_config's
// time units, the common ones); 0 turns it off, as it is by default.
import { ScpipeError, escapeForTerminal } from '../lib';

const UNIT_MS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000 };

/** The limit in ms, 0 for none; ERR_USAGE for anything else than a duration. */
export function parseStallTimeout(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isFinite(ms) || ms > 2 ** 31 - 1) {
    throw new ScpipeError('ERR_USAGE', `bad --stall-timeout "${escapeForTerminal(text)}": give seconds, or a number with s, m or h (30, 90s, 10m, 1h); 0 for none`);
  }
  return Math.round(ms);
}
