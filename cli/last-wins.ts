// A repeated option takes its last value, as with most Unix tools. yargs
// collects repeats into an array, which every scalar option would then
// misread (`--memory 1K --memory 2K` became the size "1K,2K"; a repeated
// --spool-dir became a garbled path). Options meant to repeat (-i, -o) and
// variadic positionals (cp's paths, put's command) keep their arrays.

import { LIST_OPTIONS } from './ssh-options';

/** Keys whose values are lists on purpose: yargs' own, -i/-o, cp's `<paths..>` and put's `[command..]`. */
const LISTS = new Set<string>(['_', '$0', ...LIST_OPTIONS, 'paths', 'command']);

/** yargs middleware (run before validation): replaces a repeated scalar option's array by its last value. */
export function lastValueWins(args: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(args)) {
    if (Array.isArray(value) && !LISTS.has(key)) args[key] = value[value.length - 1];
  }
}
