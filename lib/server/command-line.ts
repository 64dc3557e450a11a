// Decides whether an exec request may run one of our SCP roles, and which.
// Words are split as rssh splits them (words.ts); then the words are checked
// like Debian rssh's scp_okay() (docs/protocol.md §6): the program is scp, only the
// option words OpenSSH's and libssh2's clients send are allowed, each on its
// own, and exactly one path follows. Nothing here runs or expands anything.
import { splitWords, type Word } from './words';

/** What the client asked for, or why it was refused (an rssh-like one-liner). */
export type ScpCommand =
  | {
      ok: true;
      /** `-t`: the client uploads, we are the sink; `-f`: we are the source. */
      role: 'sink' | 'source';
      verbose: boolean;
      recursive: boolean;
      preserve: boolean;
      /** `-d`: the target must be a directory. */
      targetIsDirectory: boolean;
      /** The client's path, unquoted; a leading `~` or `~/` became `/` (the root is the home). */
      path: string;
    }
  /** `reason` holds the client's words raw: escape it for a terminal (session.ts). */
  | { ok: false; reason: string };

type Flags = Omit<Extract<ScpCommand, { ok: true }>, 'ok' | 'role' | 'path'>;
type OptionEffect = { flag?: keyof Flags; role?: 'sink' | 'source'; preserve?: true };

// rssh's whitelist: single flags in OpenSSH's order, and `-pf`/`-pt` because
// libssh2 sends them. Combined flags such as `-rp` or go-scp's `-qt` are refused.
const OPTIONS: Readonly<Record<string, OptionEffect>> = {
  '-v': { flag: 'verbose' },
  '-r': { flag: 'recursive' },
  '-p': { flag: 'preserve' },
  '-d': { flag: 'targetIsDirectory' },
  '-f': { role: 'source' },
  '-t': { role: 'sink' },
  '-pf': { role: 'source', preserve: true },
  '-pt': { role: 'sink', preserve: true },
};

/** Parses an exec command such as `scp -p -t -- '-odd name'` (see above). */
export function parseScpCommand(command: string): ScpCommand {
  const split = splitWords(command);
  if (!split.ok) return refuse(notScp(command) ?? split.reason);
  const [program, ...args] = split.words;
  if (program === undefined) return refuse('empty command');
  if (!isScpProgram(program.text)) return refuse(`command not allowed: ${program.text}`);

  const flags: Flags = { verbose: false, recursive: false, preserve: false, targetIsDirectory: false };
  const roles = new Set<'sink' | 'source'>();
  const paths: Word[] = [];
  // rssh checks every word up to `--`; OpenSSH's getopt stops at `--` or at
  // the first operand, after which even `-r` is an operand.
  let checking = true;
  for (const word of args) {
    const w = word.text;
    if (checking && w === '--') {
      checking = false;
      if (paths.length === 0) continue;
    } else if (checking && w.startsWith('-')) {
      const effect = OPTIONS[w];
      if (effect === undefined) return refuse(`option not allowed: ${w}`);
      if (paths.length === 0) {
        if (effect.flag) flags[effect.flag] = true;
        if (effect.preserve) flags.preserve = true;
        if (effect.role) roles.add(effect.role);
        continue;
      }
    }
    paths.push(word);
  }

  const [role, ...otherRoles] = roles;
  if (role === undefined) return refuse(paths.some(namesRemote) ? REMOTE_TO_REMOTE : 'one of -f or -t is required');
  if (otherRoles.length > 0) return refuse('-f and -t cannot be combined');
  // OpenSSH's sink says "ambiguous target" for several; one rule for both roles.
  if (paths.length !== 1) return refuse('exactly one path is allowed');
  return { ok: true, role, ...flags, path: homeToRoot(paths[0]!) };
}

/**
 * Whether a command, refused or not, starts with the word scp: its client
 * speaks SCP and reads a refusal from the protocol, not from stderr.
 */
export function namesScp(command: string): boolean {
  return isScpProgram(/^[ \t]*([^ \t]*)/.exec(command)![1]!);
}

// `scp -R a:x b:y` runs `scp x b:y` on a: a copy from this server to another.
const REMOTE_TO_REMOTE = 'remote-to-remote copies (scp -R) are not run here: copy through your own host with scp -3';

// A target as scp names a remote one: `[user@]host:path` (a `:` before any `/`) or `scp://`.
function namesRemote(word: Word): boolean {
  return /^[^/]*:/.test(word.text);
}

// `ls\x1b[31m` was refused as "wildcards are not expanded", as if fixing
// its words would help: a program that is plainly not scp is refused as such.
function notScp(command: string): string | undefined {
  const first = /^[ \t]*([^ \t]*)/.exec(command)![1]!;
  const alone = splitWords(first);
  if (alone.ok) {
    const program = alone.words[0];
    return program === undefined || isScpProgram(program.text) ? undefined : `command not allowed: ${program.text}`;
  }
  // Expanded (`~/scp`, `$D/scp`) or with a quoted blank (`'/my dir/scp'`), it might be scp.
  return /['"\\]/.test(first) || /(^|\/)scp$/.test(first) ? undefined : `command not allowed: ${first}`;
}

// `scp`, or an absolute path to a program named scp (`/usr/bin/scp`): rssh
// compares with PATH_SCP and its basename; we run our own role either way.
function isScpProgram(text: string): boolean {
  return text === 'scp' || (text.startsWith('/') && text.endsWith('/scp'));
}

// In the jail the home is the root: `~` → `/`, `~/x` → `/x`.
function homeToRoot(word: Word): string {
  if (!word.tildeHome) return word.text;
  return word.text === '' ? '/' : word.text;
}

function refuse(reason: string): ScpCommand {
  return { ok: false, reason };
}
