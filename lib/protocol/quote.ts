// Quotes a remote path so the remote side sees exactly one word: a POSIX
// shell (`$SHELL -c`, docs/protocol.md §1), csh, and rssh's wordexp(WRDE_NOCMD)
// (§6). OpenSSH sends paths raw (CVE-2020-15778); we do not.
import { ScpipeError } from '../errors';

/** How remote paths are quoted: see `--quote`. */
export type QuoteMode = 'posix' | 'double' | 'none';

/** The quoting modes, for option validation. */
export const QUOTE_MODES: readonly QuoteMode[] = ['posix', 'double', 'none'];

/** ERR_USAGE unless `mode` is one of QUOTE_MODES, where given: unchecked, a JavaScript caller's 'bogus' quoted as `double`. */
export function checkQuoteMode(mode: unknown): void {
  if (mode !== undefined && !(QUOTE_MODES as readonly unknown[]).includes(mode)) {
    throw new ScpipeError('ERR_USAGE', `bad quote ${JSON.stringify(String(mode))}: give ${QUOTE_MODES.join(', ')}`);
  }
}

// A leading `~/` or `~user/` stays unquoted so the remote still expands it
// (POSIX: a tilde prefix with any quoted character, even its slash, is literal).
const TILDE = /^~[A-Za-z0-9._-]*(?:\/|$)/;
const BARE_TILDE = /^~[A-Za-z0-9._-]*\/*$/;

/** True for `~`, `~user` (and with trailing slashes): a home directory the remote shell expands. */
export function isBareTilde(path: string): boolean {
  return BARE_TILDE.test(path);
}

/**
 * posix: single quotes; `'` becomes `\'` and `!` becomes `\!` outside the
 * quotes (csh expands `!` even inside them), as libssh2 does.
 * double: double quotes with `\` `"` `$` `` ` `` escaped, for shells without
 * single quotes. none: raw, for remote globbing; the user takes the risk.
 */
export function quoteRemotePath(path: string, mode: QuoteMode): string {
  if (mode === 'none') return path;
  const tilde = TILDE.exec(path)?.[0] ?? '';
  const rest = path.slice(tilde.length);
  if (rest === '') return tilde === '' ? (mode === 'posix' ? "''" : '""') : tilde;
  return tilde + (mode === 'posix' ? singleQuote(rest) : doubleQuote(rest));
}

function singleQuote(s: string): string {
  let out = '';
  let open = false;
  for (const ch of s) {
    if (ch === "'" || ch === '!') {
      if (open) out += "'";
      open = false;
      out += `\\${ch}`;
    } else {
      if (!open) out += "'";
      open = true;
      out += ch;
    }
  }
  return open ? `${out}'` : out;
}

function doubleQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '!') out += '"\\!"';
    else out += /["\\$`]/.test(ch) ? `\\${ch}` : ch;
  }
  return `${out}"`;
}
