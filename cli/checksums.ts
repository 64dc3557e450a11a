// --checksum-file (put, get and cp) and get's --check / --expect-sha256: the
// stream's SHA-256, taken in the same pass, written as a sha256sum line or
// checked against one. Files are checked before anything starts, so a typo
// costs nothing, not a finished upload.
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, posix } from 'node:path';
import { ScpipeError, checksumFor, isScpipeError, escapeForTerminal, formatChecksumLine, parseChecksumFile, parseSha256, type ChecksumEntry } from '../lib';
import { NAME_MAX, byteFs, fromBytes, toBytes, describeIoError, followLinks, outOfDescriptors, plantedDetail, strerror } from '../lib/internal';
import { single } from './yargs-limits';
import { checkFileToWrite } from './file-to-write';
import { writeFifo } from './fifo-write';
import { ownSocketStream } from './file-stream';
import { looksClosed, writeWhole } from './stdout';
import { recordSha256 } from './json-summary';
import { sayFailure } from './report';

/** The options as yargs gives them. */
export interface ChecksumArgs {
  'checksum-file'?: string;
  checksum?: boolean;
  check?: string;
  'expect-sha256'?: string;
}

/** The options' yargs definitions. */
export const checksumFileOption = {
  'checksum-file': { ...single, describe: "write the stream's SHA-256, taken in the same pass, to FILE as sha256sum does (\"HEX  NAME\"; sha256sum -c checks it)" },
  checksum: { type: 'boolean', describe: "print the SHA-256, taken in the same pass, on stderr as sha256sum does (\"HEX  NAME\") once the transfer is done" },
} as const;

/** Whether the command must take the SHA-256 as the bytes go. */
export function wantsSha256(args: Pick<ChecksumArgs, 'checksum-file' | 'checksum'>): boolean {
  return args['checksum-file'] !== undefined || args.checksum === true;
}

/**
 * The line of an upload stopped by a signal that the server stored whole all
 * the same (an SFTP rename made as the signal came): its bytes were hashed
 * as they went, so the line is as true as after a success.
 */
export function storedAfterSignal(err: unknown): ChecksumEntry | undefined {
  if (!isScpipeError(err, 'ERR_ABORTED') || !err.stored || err.sha256 === undefined || err.path === undefined) return undefined;
  return { sha256: err.sha256, name: posix.basename(err.path) };
}

/**
 * An upload stored whole whose --verify read-back failed (not a difference): its sum,
 * taken as the bytes went, is true of what was sent.
 */
function storedUnverified(err: unknown): ChecksumEntry | undefined {
  if (!isScpipeError(err) || err.code === 'ERR_CHECKSUM' || !err.stored || err.sha256 === undefined || err.path === undefined) return undefined;
  return { sha256: err.sha256, name: posix.basename(err.path) };
}

/** --checksum-file and --checksum for such an upload, or one stored but not verified; one that fails is said, and the error's status stands. */
export async function writeStoredAfterSignal(args: Pick<ChecksumArgs, 'checksum-file' | 'checksum'>, err: unknown): Promise<void> {
  const entry = storedAfterSignal(err) ?? storedUnverified(err);
  if (entry === undefined) return;
  recordSha256(entry.sha256);
  if (args['checksum-file'] !== undefined) await writeChecksumEntries(args['checksum-file'], [entry]).catch(sayFailure);
  sayChecksums(args, [entry]);
}

/** --checksum: the sha256sum lines on stderr (not prefixed: a log keeps them as sha256sum -c reads them), names escaped for a terminal. */
export function sayChecksums(args: Pick<ChecksumArgs, 'checksum'>, entries: readonly ChecksumEntry[]): void {
  if (args.checksum !== true) return;
  process.stderr.write(entries.map((e) => terminalChecksumLine(e.sha256, e.name)).join(''));
}

// escapeForTerminal() writes a backslash, newline and CR as sha256sum does
// (`\\`, `\n`, `\r`), so an escaped name only needs sha256sum's leading
// backslash: escaping the escaped name again would name another file. A tab
// stays as it is, as sha256sum writes it: harmless on a terminal, and its
// `\t` is no escape sha256sum -c reads.
function terminalChecksumLine(hex: string, name: string): string {
  const shown = name.split('\t').map((piece) => escapeForTerminal(piece)).join('\t');
  return shown === name ? formatChecksumLine(hex, name) : `\\${hex}  ${shown}\n`;
}

export const checkOptions = {
  check: { ...single, describe: 'fail (exit 1) unless the file has the SHA-256 that FILE (sha256sum format) gives for its name; --output is then left as it was' },
  'expect-sha256': { ...single, describe: 'the same with the SHA-256 given as 64 hex digits' },
} as const;

/** Fails early (ERR_LOCAL_IO) when `file` could not be written: its directory is missing or not writable, or it is a directory. */
export async function checkChecksumFile(file: string | undefined): Promise<void> {
  if (file === undefined) return;
  if (file === '-') {
    // Node puts /dev/null in place of a closed stdout: the line would go nowhere, with exit 0.
    if (!looksClosed(1)) return;
    throw new ScpipeError('ERR_USAGE', 'stdout is closed (or /dev/null opened read-write, which is what a closed stdout becomes): --checksum-file - would write the line nowhere; give a file name', { path: 'stdout' });
  }
  if ((await checkFileToWrite('--checksum-file', file)).isDirectory) {
    throw new ScpipeError('ERR_LOCAL_IO', `--checksum-file ${escapeForTerminal(file)}: ${strerror({ code: 'EISDIR' })}`, { path: file });
  }
}

/** Writes the sha256sum line of `name` to `file` (`-`: stdout), replacing it. */
export function writeChecksumFile(file: string, hex: string, name: string): Promise<void> {
  return writeChecksumLines(file, hex, [name]);
}

/** Writes one sha256sum line per distinct name, all with `hex` (one stream stored under several names). */
export function writeChecksumLines(file: string, hex: string, names: readonly string[]): Promise<void> {
  return writeChecksumEntries(file, [...new Set(names)].map((name) => ({ sha256: hex, name })));
}

/** Writes one sha256sum line per entry to `file` (`-`: stdout), replacing it. */
export async function writeChecksumEntries(file: string, entries: readonly ChecksumEntry[]): Promise<void> {
  // A name that is not UTF-8 is written as its bytes, as sha256sum writes it, so that sha256sum -c finds the file.
  const lines = toBytes(entries.map((e) => formatChecksumLine(e.sha256, e.name)).join(''));
  const written = file === '-' ? writeWhole(process.stdout, lines) : replaceFile(file, lines);
  await written.catch((err: NodeJS.ErrnoException) => {
    const what = file === '-' ? '- (stdout)' : escapeForTerminal(file);
    // The sums of hours of transfer are not lost with the file: said here instead.
    process.stderr.write(entries.map((e) => terminalChecksumLine(e.sha256, e.name)).join(''));
    const planted = plantedDetail(err);
    const why = planted === undefined ? outOfDescriptors(err) ?? strerror(err) : `not followed: ${planted}`;
    throw new ScpipeError('ERR_LOCAL_IO', `the transfer is done, but --checksum-file ${what} could not be written: ${why} (its lines are above)`, { path: file });
  });
}

// A regular file (or none) is replaced only when the new one is written
// whole, so a full disk leaves the last run's sums, not an empty file; a
// FIFO or device (/dev/fd/3) is written as it is (a FIFO once it has a
// reader, fifo-write.ts). A symlink the user made
// (sums -> sums.2026-12) is written through, as `sha256sum > sums` and
// --output write, not replaced by a file.
async function replaceFile(given: string, text: Buffer): Promise<void> {
  const file = await followLinks(given);
  const st = await byteFs.stat(file).catch(() => undefined);
  if (st?.isFIFO()) return writeFifo(file, text);
  const own = st?.isSocket() ? await ownSocketStream(file) : undefined;
  if (own !== undefined) return writeWhole(own, text);
  if (st && !st.isFile()) return byteFs.writeFile(file, text);
  const temp = join(dirname(file), `.${fitName(basename(file), 21)}.scpipe-${randomBytes(6).toString('hex')}`);
  try {
    await byteFs.writeFile(temp, text, { mode: st ? st.mode & 0o777 : 0o666, flag: 'wx' });
    await byteFs.rename(temp, file);
  } catch (err) {
    await byteFs.rm(temp, { force: true });
    throw err;
  }
}

// `name` cut by whole characters so that `extra` bytes more fit in NAME_MAX:
// a FILE of a valid 240-byte name failed at the end ("File name too long").
function fitName(name: string, extra: number): string {
  const chars = Array.from(name);
  let bytes = Buffer.byteLength(name);
  while (bytes + 1 + extra > NAME_MAX) bytes -= Buffer.byteLength(chars.pop()!);
  return chars.join('');
}

/** The sum get must find: from --expect-sha256, or --check's line for `remotePath`; undefined without either. */
export async function expectedSha256(args: ChecksumArgs, remotePath: string): Promise<string | undefined> {
  if (args.check !== undefined && args['expect-sha256'] !== undefined) throw new ScpipeError('ERR_USAGE', '--check and --expect-sha256 do not go together');
  if (args['expect-sha256'] !== undefined) return parseSha256(args['expect-sha256'], '--expect-sha256');
  if (args.check === undefined) return undefined;
  const file = args.check;
  const text = await byteFs.readFile(file === '-' ? '/dev/stdin' : file).then(fromBytes).catch((err: NodeJS.ErrnoException) => {
    throw new ScpipeError('ERR_LOCAL_IO', `--check ${escapeForTerminal(file)}: ${outOfDescriptors(err) ?? describeIoError(err)}`, { path: file });
  });
  return checksumFor(parseChecksumFile(text, file), remotePath, file);
}
