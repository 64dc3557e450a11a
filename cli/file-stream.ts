// The file's stream: whether a file named on the command line is our own
// stdout or stderr, so that no line said there goes into its bytes. A systemd
// service's stdout and stderr are sockets (journald's), which cannot be
// opened by their /dev or /proc name (ENXIO): there, the stream is written.
import { fstatSync, type Stats } from 'node:fs';
import { ScpipeError, escapeForTerminal } from '../lib';
import { byteFs, followLinks } from '../lib/internal';

/** process.stdout or process.stderr where `file` (followLinks()'s answer) is this process's descriptor 1 or 2 and a socket. */
export async function ownSocketStream(file: string): Promise<NodeJS.WriteStream | undefined> {
  // /dev/fd/N too: followLinks() leaves it, its link being the directory (/dev/fd -> /proc/self/fd).
  const m = /^(?:\/proc\/(self|\d+)|\/dev)\/fd\/([12])$/.exec(file);
  if (m === null || (m[1] !== undefined && m[1] !== 'self' && Number(m[1]) !== process.pid)) return undefined;
  if (!(await byteFs.stat(file).then((st) => st.isSocket(), () => false))) return undefined;
  return m[2] === '1' ? process.stdout : process.stderr;
}

/** ownSocketStream() of the file a name given by the user ends at, through its links (/dev/stdout). */
export async function ownSocketAt(name: string): Promise<NodeJS.WriteStream | undefined> {
  return ownSocketStream(await followLinks(name).catch(() => name));
}

/**
 * process.stdout or process.stderr where `name` is that stream's pipe, socket
 * or file (`/dev/stdout` under `| reader`): a line said there goes into the
 * file's bytes. A device (/dev/null) is nobody's stream.
 */
export async function ownStreamAt(name: string): Promise<NodeJS.WriteStream | undefined> {
  const st = await byteFs.stat(name).catch(() => undefined);
  if (st === undefined || !(st.isFIFO() || st.isSocket() || st.isFile())) return undefined;
  for (const [fd, stream] of [[1, process.stdout], [2, process.stderr]] as const) {
    const own = fstatOf(fd);
    if (own !== undefined && own.dev === st.dev && own.ino === st.ino) return stream;
  }
  return undefined;
}

/**
 * Whether stdout and stderr are one pipe, socket or file (`2>&1`; a systemd service's journal socket,
 * StandardError=inherit): no line said on either keeps off the other. A device (/dev/null) is nobody's stream.
 */
export function oneStream(): boolean {
  const [out, err] = [fstatOf(1), fstatOf(2)];
  if (out === undefined || err === undefined || !(out.isFIFO() || out.isSocket() || out.isFile())) return false;
  return out.dev === err.dev && out.ino === err.ino;
}

/** Whether a line said on `said` (stdout or stderr) goes into the file `file` carries (undefined: a file of its own). */
export function saidInto(said: NodeJS.WriteStream, file: NodeJS.WriteStream | undefined): boolean {
  return file !== undefined && (said === file || oneStream());
}

/** ERR_USAGE where --checksum's line, said on stderr, would go into the file's bytes on `file` (`shown`). */
export function refuseChecksumInto(file: NodeJS.WriteStream | undefined, shown: string, checksum: boolean | undefined): void {
  if (!checksum || !saidInto(process.stderr, file)) return;
  throw new ScpipeError('ERR_USAGE', `--checksum prints its line on stderr, which is the stream the file goes to (${shown}): give --checksum-file a file name`);
}

/** The checksum options, as given. */
export interface SumsOptions {
  checksum?: boolean;
  'checksum-file'?: string;
}

/**
 * ERR_USAGE where a checksum line would go into the file's bytes: the file
 * goes to `file` (stdout, stderr, or undefined: a file of its own), named
 * `shown`; `named`: by a name given (--output, cp's target), not as stdout
 * itself. Said of `--checksum-file -`, --checksum, or a --checksum-file
 * that is that stream.
 */
export async function refuseSumsInto(file: NodeJS.WriteStream | undefined, shown: string, named: boolean, args: SumsOptions): Promise<void> {
  const sumsFile = args['checksum-file'];
  if (named && saidInto(process.stdout, file) && sumsFile === '-') throw new ScpipeError('ERR_USAGE', `stdout carries the file (${shown}): give --checksum-file a file name`);
  refuseChecksumInto(file, shown, args.checksum);
  const sumsOn = file === undefined || sumsFile === undefined || sumsFile === '-' ? undefined : await ownStreamAt(sumsFile);
  if (sumsOn !== undefined && sumsOn === file) {
    throw new ScpipeError('ERR_USAGE', `--checksum-file ${escapeForTerminal(sumsFile!)} is ${sumsOn === process.stdout ? 'stdout' : 'stderr'}, which carries the file: give it a file of its own`);
  }
}

function fstatOf(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined; // closed
  }
}
