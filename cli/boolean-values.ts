// yargs takes `--json=VALUE` for a boolean option as true only when VALUE is
// `true`: `--json=1`, `--json=yes` or a typo silently turned the option off.
// A value other than yargs' own true and false is refused as a usage error.
import { ScpipeError, escapeForTerminal } from '../lib';

/** The option names yargs parses as booleans, with their aliases. */
export interface BooleanOptions {
  boolean: readonly string[];
  alias: Record<string, readonly string[]>;
}

// yargs also takes an option by its camelCase name (`--appendOnly` for
// `--append-only`): `serve --appendOnly=1` must not start a server that
// replaces files.
const camelCase = (name: string): string => name.replace(/-+([^-])/g, (_, c: string) => c.toUpperCase());

/** Throws ERR_USAGE for the first `--flag=VALUE` (or `-f=VALUE`, `-rf=VALUE`, `-4=VALUE`) before `--` whose flag is boolean and VALUE not true or false. */
export function refuseBooleanValues(argv: readonly string[], options: BooleanOptions): void {
  const names = new Set(options.boolean.flatMap((name) => [name, ...(options.alias[name] ?? [])]).flatMap((name) => [name, camelCase(name)]));
  const end = argv.indexOf('--');
  for (const word of end < 0 ? argv : argv.slice(0, end)) {
    const m = /^(--?)([^=]+)=(.*)$/s.exec(word);
    if (!m) continue;
    // In a group of letters (`-qv=x`), yargs gives the value to the letter before the `=`;
    // digits are letters here (`-4=1` turned -4 off).
    const flag = m[1] === '-' ? m[2]!.slice(-1) : m[2]!;
    if ((m[1] === '-' && !/^[A-Za-z0-9]+$/.test(m[2]!)) || !names.has(flag)) continue;
    if (m[3] === 'true' || m[3] === 'false') continue;
    throw new ScpipeError('ERR_USAGE', `${m[1]}${escapeForTerminal(flag)} takes no value, and took "${escapeForTerminal(m[3]!)}"`);
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
