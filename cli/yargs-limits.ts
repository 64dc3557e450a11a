// The two things scpipe needs that yargs 17's configuration cannot say.
import { ScpipeError, escapeForTerminal } from '../lib';

/**
 * A repeated single-valued option takes its last value, as with most Unix
 * tools. yargs-parser cannot mix rules: with 'duplicate-arguments-array'
 * false, every repeated option keeps only its last value (-i and -o too,
 * array or nargs alike), and with it true (which -i and -o need) every
 * repeated option becomes an array. So each single-valued option declares
 * this as its `coerce`.
 */
export function lastValue<T>(value: T | T[]): T {
  return Array.isArray(value) ? value[value.length - 1]! : value;
}

/** A single-valued string option: one value, the last one if repeated. */
export const single = { type: 'string', requiresArg: true, coerce: lastValue } as const;
/**
 * A single-valued number option. Without yargs' `number` type, which turns
 * `abc` into NaN: the message then shows what was typed, not NaN.
 */
export function singleNumber(name: string) {
  const coerce = (value: string | number | Array<string | number>): number => {
    const text = String(lastValue(value));
    const n = Number(text);
    if (text.trim() === '' || Number.isNaN(n)) throw new ScpipeError('ERR_USAGE', `bad --${name} "${escapeForTerminal(text)}": give a number`);
    return n;
  };
  return { requiresArg: true, coerce } as const;
}

/**
 * yargs renders the command's whole help text before it runs the handler
 * (measurable for put's 40 options, on the critical path of every transfer),
 * only to show it if the handler fails with yargs's own failure output. Our
 * fail() throws and main() reports the error without help, so the text was
 * never used, and no option turns the rendering off. An internal of yargs 17
 * (lib/command.js calls usage.cacheHelpMessage()); if it is not there,
 * nothing changes.
 */
export function skipHelpCache(parser: object): void {
  const internals = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}
