// Node decodes argv lossily: bytes that are not UTF-8 (a latin-1 name) arrive
// as U+FFFD, so a file would be made or asked for under a name other than
// the one typed, silently. Where the raw bytes can be read
// (/proc/self/cmdline), a remote path (`host:caf\xe9`) is taken as its bytes
// (util/byte-text.ts form), as OpenSSH's scp sends it, and so is every other
// argument (an --output, a --checksum-file, a local operand): each file
// system call turns the marks back into the bytes (lib/fs/byte-fs.ts). Where
// the bytes cannot be read, such an argument is refused rather than renamed.
// A U+FFFD typed as UTF-8 (EF BF BD, a name an earlier lossy copy made) is
// passed on unchanged.
import { readFileSync } from 'node:fs';
import { ScpipeError, escapeForTerminal, parseRemoteSpec } from '../lib';
import { fromBytes } from '../lib/internal';

/** `argv` with each argument that was not UTF-8 as its bytes; throws ERR_USAGE where they cannot be read. */
export function argumentsAsBytes(argv: readonly string[], cmdline = '/proc/self/cmdline'): string[] {
  if (!argv.some((a) => a.includes('\uFFFD'))) return [...argv];
  const raw = rawArgs(argv, cmdline);
  return argv.map((arg, i) => {
    if (!arg.includes('\uFFFD') || (raw !== undefined && isUtf8(raw[i]!))) return arg;
    if (raw !== undefined) return fromBytes(raw[i]!);
    const spec = arg.startsWith('-') ? undefined : parseRemoteSpec(arg);
    const what = spec ? `the remote path "${escapeForTerminal(spec.path)}"` : `the argument "${escapeForTerminal(arg)}"`;
    throw new ScpipeError('ERR_USAGE', `${what} holds bytes that are not UTF-8 (shown as \uFFFD); scpipe cannot pass them on unchanged: use a UTF-8 name`);
  });
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
