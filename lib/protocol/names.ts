// Checks on the names a remote source sends in C and D records, before they
// touch the file system (docs/protocol.md §5):
// - checkIncomingName(): OpenSSH's CVE-2018-20685 check (§5.1), plus NUL, and
//   on Windows the characters that would change which file is opened.
// - NameMatcher: OpenSSH's CVE-2019-6111 check (§5.2), the top-level name
//   must be what was requested. Run against the UNQUOTED path the user meant.
//   Its glob mode uses OpenSSH's brace expansion and fnmatch (glob.ts).
// - topLevelRefusal(): the sink's checks of a top-level entry, count and match.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { braceExpand, fnmatch } from './glob';
import { isBareTilde } from './quote';

/**
 * Throws ERR_UNSAFE_NAME for a name that must not be used as a file name:
 * empty, `.`, `..`, containing `/` or NUL (everywhere), and on win32 also
 * `\`, `:` (drive letters, alternate streams), control characters and a
 * trailing dot or space (which Windows strips, so `.. ` would be `..`).
 * A `\` is an ordinary character on POSIX (OpenSSH accepts it), so it is only
 * refused on Windows. A trailing `\r` is kept: OpenSSH writes such files too.
 */
export function checkIncomingName(name: string, platform: string = process.platform): void {
  const why =
    name === '' ? 'empty'
    : name === '.' || name === '..' ? 'not a file name'
    : name.includes('/') ? 'contains "/"'
    : name.includes('\0') ? 'contains a NUL byte'
    : platform === 'win32' ? windowsProblem(name)
    : undefined;
  if (why) {
    throw new ScpipeError('ERR_UNSAFE_NAME', `refusing unsafe name from the remote: "${escapeForTerminal(name)}" (${why})`);
  }
}

function windowsProblem(name: string): string | undefined {
  if (name.includes('\\')) return 'contains "\\"';
  if (name.includes(':')) return 'contains ":"';
  if (/[\x01-\x1f]/.test(name)) return 'contains a control character';
  if (/[. ]$/.test(name)) return 'ends with a dot or a space';
  return undefined;
}

/** How a NameMatcher reads the requested path. */
export interface NameMatcherOptions {
  /**
   * true: the path went to the remote shell unquoted, which may expand globs
   * and braces, so match like OpenSSH (brace expansion, then fnmatch).
   * false: the path was quoted, so the name must be its basename exactly.
   */
  glob: boolean;
}

/** Decides whether a top-level name from the source answers the request. */
export class NameMatcher {
  /** The patterns (glob) or the one exact name that a top-level entry must match. */
  readonly patterns: readonly string[];

  /** Throws ERR_USAGE for a literal path without a usable basename, or an invalid brace pattern. */
  constructor(private readonly requestedPath: string, private readonly options: NameMatcherOptions) {
    if (options.glob) {
      this.patterns = braceExpand(requestedPath).map(lastComponent);
      return;
    }
    this.patterns = [requireRemoteBasename(requestedPath, 'a file or directory to copy')];
  }

  /**
   * True when `name` answers the request: `strcmp(pattern, name) == 0 ||
   * fnmatch(pattern, name, 0) == 0`, except that a leading dot must be
   * matched by a dot in the pattern (FNM_PERIOD): a shell's `*` never
   * expands to `.bashrc`, so only a hostile remote sends it for one.
   */
  matches(name: string): boolean {
    if (!this.options.glob) return name === this.patterns[0];
    return this.patterns.some((p) => p === name || (fnmatch(p, name) && (!name.startsWith('.') || p.startsWith('.') || p.startsWith('\\.'))));
  }

  /** The request, for error messages (escaped). */
  describe(): string {
    return `"${escapeForTerminal(this.requestedPath)}"`;
  }
}

/** What the sink's top-level checks need of its options (SinkOptions). */
export interface TopLevelLimits {
  matcher?: { matches(name: string): boolean; describe(): string };
  maxTopLevel?: number;
}

/**
 * Why the sink refuses the `count`th top-level entry, `name`, or undefined:
 * more entries than were requested, or one that does not answer the request
 * (§5.2). `line`: what OpenSSH's sink tells the source with `\1scp: `.
 */
export function topLevelRefusal(name: string, count: number, limits: TopLevelLimits): { line: string; error: ScpipeError } | undefined {
  if (limits.maxTopLevel !== undefined && count > limits.maxTopLevel) {
    const why = `refusing "${escapeForTerminal(name)}": the remote sent more entries than were requested`;
    return { line: 'protocol error: unexpected extra file', error: new ScpipeError('ERR_UNSAFE_NAME', why) };
  }
  const m = limits.matcher;
  if (m && !m.matches(name)) {
    const why = `refusing "${escapeForTerminal(name)}" from the remote: it does not match the request ${m.describe()}`;
    return { line: 'protocol error: filename does not match request', error: new ScpipeError('ERR_UNSAFE_NAME', why) };
  }
  return undefined;
}

// The part after the last `/`, trailing slashes stripped first. (OpenSSH's
// brace_expand() does not strip them, so there `dir/` matches nothing; that
// only matters with -r, where OpenSSH checks no names at all.)
function lastComponent(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * The name a source sends for a literal remote path: its last component after
 * trailing slashes are stripped (docs/protocol.md §5.1). Undefined when that is
 * empty, `.` or `..` (OpenSSH's source cannot send those), or a bare `~` or
 * `~user`, which quote.ts leaves for the remote shell to expand.
 */
export function remoteBasename(path: string): string | undefined {
  const base = lastComponent(path);
  if (base === '' || base === '.' || base === '..' || isBareTilde(path)) return undefined;
  return base;
}

/** remoteBasename(), or ERR_USAGE `"PATH" does not name WHAT` when it has none. */
export function requireRemoteBasename(path: string, what: string): string {
  const base = remoteBasename(path);
  if (base === undefined) throw new ScpipeError('ERR_USAGE', `"${escapeForTerminal(path)}" does not name ${what}`);
  return base;
}
