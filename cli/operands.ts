// A command's operands: the words that are not options. yargs keeps those
// before `--` in `_` (after the command's name), and with 'populate--' those
// after it in `--`, unparsed (`put host:f -- tar -c .`, `cp -- -file host:`).
// Commands declare no positionals: yargs' positional pass drops a lone `-`
// (cp's stdin and stdout) and fills none from after `--`.
import type { Argv } from 'yargs';
import { ScpipeError, escapeForTerminal } from '../lib';

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

/** A usage error for a missing operand, naming what is missing (`what`: "the remote file to read"). */
export function missingOperand(what: string): ScpipeError {
  return new ScpipeError('ERR_USAGE', `name ${what}`);
}

/** The one operand of get (and, before any `--`, of put): refuses more. */
export function oneOperand(words: readonly string[], what: string): string {
  if (words.length === 0) throw missingOperand(what);
  if (words.length > 1) throw unknownArguments(words.slice(1));
  return words[0]!;
}
