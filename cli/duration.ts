// A duration option's value: seconds, or a number with s, m or h (sshd_config's
// time units, the common ones), as --stall-timeout and --start-timeout take it.
import { ScpipeError, escapeForTerminal } from '../lib';

const UNIT_MS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000 };
// setTimeout's largest delay: above it Node waits 1 ms.
const MAX_MS = 2 ** 31 - 1;

/** `text` in ms; ERR_USAGE naming `option` for anything else than a duration, or one below `leastMs` (`what`: the help's tail). */
export function parseDuration(text: string, option: string, leastMs: number, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(ms) || ms > MAX_MS || ms < leastMs) {
    throw new ScpipeError('ERR_USAGE', `bad ${option} "${escapeForTerminal(text)}": give seconds, or a number with s, m or h (30, 90s, 10m, 1h)${what}`);
  }
  return ms;
}
