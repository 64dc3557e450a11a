// Words that yargs must take as they are. It drops a lone `-` from
// positionals, but `cp - host:f` and `cp host:f -` need it; and after `--`
// it neither fills positionals (`cp -- -f host:`) nor keeps the words apart
// from the options before it. main() marks such words with a prefix that no
// real argument can contain (argv cannot hold NUL), drops the first `--`,
// and commands take the marks off (restoreArg).
const DASH = '\0-';
const AFTER_END = '\0\0';

/** argv for yargs: a lone `-` marked; the first `--` dropped and each word after it marked. */
export function protectArgs(argv: readonly string[]): string[] {
  const options = beforeEnd(argv);
  const rest = argv.slice(options.length + 1);
  return [...options.map((a) => (a === '-' ? DASH : a)), ...rest.map((a) => AFTER_END + a)];
}

/** The words before the first `--`: where options and the command's name are. */
export function beforeEnd(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** A positional argument as the user wrote it. */
export function restoreArg(arg: string): string {
  if (arg.startsWith(AFTER_END)) return arg.slice(AFTER_END.length);
  return arg === DASH ? '-' : arg;
}

/** True when the user wrote `arg` after `--`. */
export function cameAfterEnd(arg: string): boolean {
  return arg.startsWith(AFTER_END);
}

/** yargs' message about marked words, with the marks taken off. */
export function unmarkMessage(message: string): string {
  return message.replace(/\0\0?/g, '');
}
