// A command's operands: the words that are not options. yargs keeps those
// before `--` in `_` (after the command's name), and with 'populate--' those
// after it in `--`, unparsed (`put host:f -- tar -c .`, `cp -- -file host:`).
// Commands declare no positionals: yargs' positional pass drops a lone `-`
// (cp's stdin and stdout) and fills none from after `--`.
import type { Argv } from 'yargs';
import { ScpipeError, escapeForTerminal, isRemoteSpec } from '../lib';

/** For a command that takes operands: yargs refuses unknown options, the command checks its operands. */
export function withOperands<T>(y: Argv<T>): Argv<T> {
  return y.strict(false).strictOptions();
}

/** What yargs gives every command, with 'populate--'. */
export interface OperandArgs {
  _: Array<string | number>;
  '--'?: Array<string | number>;
}

/** The operands before and after `--`. */
export function operands(args: OperandArgs): { before: string[]; after: string[] } {
  return { before: args._.slice(1).map(String), after: (args['--'] ?? []).map(String) };
}

/** The operands before and after `--` as one list (for commands where `--` only ends the options). */
export function allOperands(args: OperandArgs): string[] {
  const { before, after } = operands(args);
  return [...before, ...after];
}

/** A usage error for operands a command does not take, worded as yargs' strict mode words it. */
export function unknownArguments(words: readonly string[]): ScpipeError {
  const s = words.length === 1 ? '' : 's';
  return new ScpipeError('ERR_USAGE', `Unknown argument${s}: ${words.map((w) => escapeForTerminal(w)).join(', ')}`);
}

/**
 * A usage error for a missing operand, naming what is missing (`what`: "the
 * remote file to read"), or the -P that took it (`-P host:f`, the port forgotten).
 */
export function missingOperand(what: string, args?: object): ScpipeError {
  const port = (args as { P?: unknown } | undefined)?.P;
  if (typeof port === 'string' && isRemoteSpec(port)) {
    return new ScpipeError('ERR_USAGE', `-P takes a port number, and took "${escapeForTerminal(port)}": give -P PORT before the target (-P 2222 host:path)`);
  }
  return new ScpipeError('ERR_USAGE', `name ${what}`);
}

/**
 * scp's habits that leave a stray word before the remote one: `-p 2222`
 * (scp's -p keeps times; its port is -P). Undefined when `word` is not that.
 */
export function portMistake(word: string, args: { p?: boolean }): ScpipeError | undefined {
  if (!args.p || !/^\d+$/.test(word)) return undefined;
  return new ScpipeError('ERR_USAGE', `unexpected argument "${word}": -p keeps times and modes, as in scp; give the port with -P ${word}`);
}

/**
 * get's one remote file. scp users add a local destination (`get host:f
 * out`) or a second remote file: say what get does instead of "Unknown argument".
 */
export function getOperand(words: readonly string[], args: { p?: boolean }): string {
  if (words.length === 0) throw missingOperand('the remote file to read: [user@]host:path', args);
  if (words.length === 1) return words[0]!;
  const [first, ...rest] = words as [string, ...string[]];
  const port = portMistake(first, args);
  if (port) throw port;
  const shown = (w: string): string => `"${escapeForTerminal(w)}"`;
  if (rest.some(isRemoteSpec) || !isRemoteSpec(first)) {
    throw new ScpipeError('ERR_USAGE', `get reads one remote file, got ${words.map(shown).join(' ')}: run get once for each, or copy several with scpipe cp SRC... DIR`);
  }
  if (rest.length === 1) {
    throw new ScpipeError('ERR_USAGE', `get writes to stdout, not to ${shown(rest[0]!)}: give --output ${shown(rest[0]!)} or redirect with > (scpipe cp copies as scp does)`);
  }
  throw unknownArguments(rest);
}
