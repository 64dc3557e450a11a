// yargs takes `--json=VALUE` for a boolean option as true only when VALUE is
// `true`: `--json=1`, `--json=yes` or a typo silently turned the option off.
// A value other than yargs' own true and false is refused as a usage error.
import { ScpipeError, escapeForTerminal } from '../lib';

/** The option names yargs parses as booleans, with their aliases. */
export interface BooleanOptions {
  boolean: readonly string[];
  alias: Record<string, readonly string[]>;
}

/** Throws ERR_USAGE for the first `--flag=VALUE` (or `-f=VALUE`) before `--` whose flag is boolean and VALUE not true or false. */
export function refuseBooleanValues(argv: readonly string[], options: BooleanOptions): void {
  const names = new Set(options.boolean.flatMap((name) => [name, ...(options.alias[name] ?? [])]));
  const end = argv.indexOf('--');
  for (const word of end < 0 ? argv : argv.slice(0, end)) {
    const m = /^(--?)([^=]+)=(.*)$/s.exec(word);
    if (!m || (m[1] === '-' && m[2]!.length !== 1) || !names.has(m[2]!)) continue;
    if (m[3] === 'true' || m[3] === 'false') continue;
    throw new ScpipeError('ERR_USAGE', `${m[1]}${escapeForTerminal(m[2]!)} takes no value, and took "${escapeForTerminal(m[3]!)}"`);
  }
}

/**
 * The boolean options of `parser` as it runs a command (yargs 17 adds the
 * command's options to the same instance); getOptions() is public in yargs
 * but not in its types. None if it is not there: nothing is refused.
 */
export function booleanOptionsOf(parser: object): BooleanOptions {
  const options = (parser as { getOptions?: () => Partial<BooleanOptions> }).getOptions?.();
  return { boolean: options?.boolean ?? [], alias: options?.alias ?? {} };
}
