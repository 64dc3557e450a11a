// /proc/PID/stat read past the command name: "pid (comm) state ppid pgrp
// session tty_nr tpgid ...", where comm may hold spaces and parentheses.

/** The fields after `(comm) ` of a /proc/PID/stat line: [state, ppid, pgrp, session, tty_nr, tpgid, ...]. */
export function statFields(line: string): string[] {
  return line.slice(line.lastIndexOf(')') + 2).split(' ');
}
