// Node gives a child its arguments as UTF-8, where a byte that is not UTF-8
// (its mark, util/byte-text.ts) would become EF BF BD, another file's name.
// Such a command line goes through /bin/sh, which makes each argument from
// printf %b escapes (a mark as \0NNN, a backslash doubled) and execs it.
import { hasMarks } from '../util/byte-text';

const REBUILD = 'for a in "$@"; do shift; b=$(printf "%bx" "$a"); set -- "$@" "${b%x}"; done; exec "$@"';

/** The program and arguments to spawn so that `command args...` runs with each argument's bytes. */
export function byteArgs(command: string, args: readonly string[]): [string, string[]] {
  if (!hasMarks(command) && !args.some(hasMarks)) return [command, [...args]];
  return ['/bin/sh', ['-c', REBUILD, 'sh', ...[command, ...args].map(printfEscaped)]];
}

function printfEscaped(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0xdc80 && cp <= 0xdcff ? `\\0${(cp - 0xdc00).toString(8)}` : ch === '\\' ? '\\\\' : ch;
  }
  return out;
}
