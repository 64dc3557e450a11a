// Where get writes the file: stdout, refused when it was closed
// (`scpipe get host:f >&-`). Node opens /dev/null read-write in place of a
// closed descriptor before any of our code runs (node.cc PlatformInit), so
// the bytes would go nowhere with exit 0, where `cat f >&-` fails. A shell's
// `> /dev/null` opens it write-only; a parent that asks for /dev/null
// read-write (Python's DEVNULL, Node's 'ignore') looks the same as a closed
// stdout and is refused too: --output /dev/null discards on purpose.
import { readFileSync, readlinkSync } from 'node:fs';
import { isatty } from 'node:tty';
import { ScpipeError, escapeForTerminal } from '../lib';
import { checkFileToWrite } from './file-to-write';

const O_ACCMODE = 0o3;
const O_RDWR = 0o2;

/**
 * True when descriptor `fd` is /dev/null opened read-write: what Node puts
 * in place of a closed one (Linux: /proc tells; elsewhere never).
 */
export function looksClosed(fd: number, fdinfo = `/proc/self/fdinfo/${fd}`, link = `/proc/self/fd/${fd}`): boolean {
  try {
    if (readlinkSync(link) !== '/dev/null') return false;
    const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(fdinfo, 'utf8'));
    return m !== null && (parseInt(m[1]!, 8) & O_ACCMODE) === O_RDWR;
  } catch {
    return false;
  }
}

/** Throws ERR_USAGE when stdout looks closed (Linux: /proc tells; elsewhere never). */
export function refuseClosedStdout(fdinfo = '/proc/self/fdinfo/1', link = '/proc/self/fd/1'): void {
  if (!looksClosed(1, fdinfo, link)) return;
  throw new ScpipeError(
    'ERR_USAGE',
    'stdout is closed (or /dev/null opened read-write, which is what a closed stdout becomes): the file would go nowhere; to discard it, give --output /dev/null',
    { path: 'stdout' },
  );
}

/**
 * Throws ERR_USAGE when stdout is a terminal, as put refuses one on stdin
 * (and zstd, gzip): the remote's bytes would reach it raw, escape sequences
 * and all, mixed with the progress line.
 */
export function refuseTerminalStdout(): void {
  if (!isatty(1)) return;
  throw new ScpipeError('ERR_USAGE', 'refusing to write the file to a terminal; pipe or redirect it, e.g. `scpipe get host:f | less` or `> f`, or give --output FILE', { path: 'stdout' });
}

/**
 * get --output FILE, checked before connecting (it was found only after the
 * login): its directory must be there and writable, and FILE not a directory.
 * scp copies into one, but --output names the file (as `> FILE` does; a set
 * or a glob has no one name to take): a usage error, exit 2, as cp's
 * `- host:d/`, saying to name the file (`remote`: the remote path's last
 * name, for it) or to use cp, which copies into a directory as scp does.
 */
export async function checkOutputFile(file: string, resume = false, remote?: string): Promise<void> {
  const found = await checkFileToWrite('--output', file);
  // A device or FIFO is written from its first byte: it was found only after the login, the kept file made and removed.
  if (resume && found.inPlace) throw new ScpipeError('ERR_USAGE', `--resume keeps a restore in a file beside --output, and ${escapeForTerminal(file)} is not a regular file (a device or FIFO is written from its first byte): give a file, or leave out --resume`, { path: file });
  if (found.isDirectory) {
    const last = remote?.slice(remote.lastIndexOf('/') + 1);
    const into = `${file.replace(/\/*$/, '/')}${last === undefined || last === '' || /[*?[]/.test(last) ? 'NAME' : last}`;
    throw new ScpipeError('ERR_USAGE', `--output ${escapeForTerminal(file)} is a directory: give the file's name (--output ${escapeForTerminal(into)}), or copy into it with scpipe cp host:path ${escapeForTerminal(file)}`, { path: file });
  }
}

/** What writeWhole() writes to: a stream, or a test's stand-in. */
export type WholeOut = { write(text: string | Buffer, done: (err?: Error | null) => void): unknown; once?(event: 'error', fn: () => void): unknown };

/**
 * Writes `text` to `out` (stdout, or stderr for get's summary) and resolves
 * once it is written; rejects with the write's error (a full disk, a
 * reader that exited), so a line the user relies on is not lost with exit 0.
 */
export function writeWhole(out: WholeOut, text: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    // The callback has the error; the 'error' event that follows it, unheard, would crash us.
    out.once?.('error', () => undefined);
    out.write(text, (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
