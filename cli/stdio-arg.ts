// yargs drops a lone `-` from positionals, but `cp - host:f` and `cp host:f -`
// need it. main() swaps it for a token no real argument can contain (argv
// cannot hold NUL) before parsing, and commands swap it back.
const TOKEN = '\0-';

/** Protects lone `-` arguments from yargs. */
export function protectDashes(argv: string[]): string[] {
  return argv.map((a) => (a === '-' ? TOKEN : a));
}

/** Restores a protected `-`. */
export function restoreDash(arg: string): string {
  return arg === TOKEN ? '-' : arg;
}
