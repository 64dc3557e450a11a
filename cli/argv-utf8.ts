// Node decodes argv lossily: bytes that are not UTF-8 (a latin-1 name) arrive
// as U+FFFD, so a remote file, an --output, a --checksum-file or a --name
// would be made under a name other than the one typed, silently. Refuse
// rather than rename. A U+FFFD typed as UTF-8 (EF BF BD, a name an earlier
// lossy copy made) is passed on unchanged, so it is told apart where the
// raw bytes can be read (/proc/self/cmdline) and refused only where not.
import { readFileSync } from 'node:fs';
import { ScpipeError, escapeForTerminal, parseRemoteSpec } from '../lib';

/** Throws ERR_USAGE for the first argument whose bytes were not UTF-8 (or may not have been). */
export function refuseNotUtf8(argv: readonly string[], cmdline = '/proc/self/cmdline'): void {
  if (!argv.some((a) => a.includes('\uFFFD'))) return;
  const raw = rawArgs(argv, cmdline);
  const arg = argv.find((a, i) => a.includes('\uFFFD') && !(raw !== undefined && isUtf8(raw[i])));
  if (arg === undefined) return;
  const spec = arg.startsWith('-') ? undefined : parseRemoteSpec(arg);
  const what = spec ? `the remote path "${escapeForTerminal(spec.path)}"` : `the argument "${escapeForTerminal(arg)}"`;
  throw new ScpipeError('ERR_USAGE', `${what} holds bytes that are not UTF-8 (shown as \uFFFD); scpipe cannot pass them on unchanged: use a UTF-8 name`);
}

// The bytes of `argv`, the last arguments of this process's command line,
// or undefined when they cannot be read or are not those arguments (main()
// called with others).
function rawArgs(argv: readonly string[], cmdline: string): Buffer[] | undefined {
  let all: Buffer;
  try {
    all = readFileSync(cmdline);
  } catch {
    return undefined;
  }
  const parts: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    const end = all.indexOf(0, at);
    const stop = end === -1 ? all.length : end;
    parts.push(all.subarray(at, stop));
    at = stop + 1;
  }
  const tail = parts.slice(parts.length - argv.length);
  if (tail.length !== argv.length || tail.some((b, i) => b.toString('utf8') !== argv[i])) return undefined;
  return tail;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
