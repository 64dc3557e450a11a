// put's command-line options: their types, parsing and checks (before the
// command runs or anything connects), and the put() options they make.
import { say } from '../report';
import { ScpipeError, checkCounts, escapeForTerminal, isRemoteSpec, type PutOptions } from '../../lib';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import { checkSpoolDirectory, formatBytes, namesDirectory, namesNoFile, parseByteSize } from '../../lib/internal';
import { missingOperand, operands, portMistake, type OperandArgs } from '../operands';
import type { SshArgs } from '../ssh-options';
import type { StdinInput } from '../stdin';
import { protocolOf, type ProtocolArgs } from '../protocol-option';
import { checkChecksumFile, wantsSha256 } from '../checksums';
import { refuseRepeatedTargets } from './put-targets';

export interface PutArgs extends SshArgs, OperandArgs, ProtocolArgs {
  p: boolean;
  mode: string;
  mtime?: string;
  memory: string;
  'spool-dir'?: string;
  size?: string;
  name?: string;
  'part-size'?: string;
  parallel?: number;
  retries?: number;
  'remove-stale'?: boolean;
  'checksum-file'?: string;
  checksum?: boolean;
  'no-clobber'?: boolean;
  verify?: boolean;
}

/** Parses `--mode 0640`. */
export function parseMode(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw new ScpipeError('ERR_USAGE', `bad --mode "${escapeForTerminal(text)}": give 3 or 4 octal digits, e.g. 0640`);
  return parseInt(text, 8);
}

// The largest time SFTP (version 3, a uint32) carries: 2106-02-07T06:28:15Z.
const SFTP_TIME_MAX = 0xffffffffn;
// The largest size or time SCP carries (OpenSSH's off_t and time_t).
const INT64_MAX = 0x7fffffffffffffffn;

/**
 * Parses `--mtime` as seconds since the epoch (a fraction, as `stat -c %.Y`
 * prints, is cut to whole seconds, as neither protocol carries it) or an ISO
 * 8601 date. Only a date that starts YYYY-MM-DD goes to Date.parse: V8 reads
 * `-1` or `1.5` as dates in 2001.
 */
export function parseMtime(text: string): bigint {
  const bad = (why: string): ScpipeError => new ScpipeError('ERR_USAGE', `bad --mtime "${escapeForTerminal(text)}": ${why}`);
  const seconds = /^\s*(\d+)(?:\.\d*)?\s*$/.exec(text);
  if (seconds) {
    const value = BigInt(seconds[1]!);
    if (value > INT64_MAX) throw bad(`more than ${INT64_MAX} seconds, the most a time can be`);
    return value;
  }
  if (/^\s*-\d/.test(text)) throw bad('a time before 1970 cannot be sent (scp and SFTP carry no negative times)');
  const ms = /^\s*\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw bad('give seconds since 1970 or a date like 2026-11-21T10:00:00Z');
  if (ms < 0) throw bad('a time before 1970 cannot be sent (scp and SFTP carry no negative times)');
  return BigInt(Math.floor(ms / 1000));
}

/** Refuses an --mtime that SFTP would cut to 32 bits (2106 becomes 1970 again) unless SCP is forced. */
function checkMtimeProtocol(mtime: bigint | undefined, args: PutLikeArgs): void {
  if (mtime === undefined || mtime <= SFTP_TIME_MAX || protocolOf(args) === 'scp') return;
  throw new ScpipeError('ERR_USAGE', `--mtime ${escapeForTerminal(args.mtime!)} is after 2106-02-07T06:28:15Z, the last time SFTP can carry: give -O to send it over SCP`);
}

// Defaults of --mode and --memory, also for `cp -`, which has no such options.
export const DEFAULT_MODE = '0644';
export const DEFAULT_MEMORY = '64M';

/**
 * put's targets and input command: `put host:path [host:path...] [-- COMMAND
 * [ARG...]]`. A word before `--` that is not a remote target is refused
 * (the command goes after it); with nothing before `--`, the target is the
 * first word after it.
 */
export function putOperands(args: OperandArgs & { p?: boolean }): { targets: string[]; command?: string[] } {
  const { before, after } = operands(args);
  const port = before.length > 1 && !isRemoteSpec(before[0]!) ? portMistake(before[0]!, args) : undefined;
  if (port) throw port;
  // scp's order (`put FILE host:path`), or a file after the target: put reads stdin.
  const file = before.length > 1 && !isRemoteSpec(before[0]!) ? before[0] : before.find((word, i) => i > 0 && !isRemoteSpec(word) && existsSync(word));
  if (file !== undefined) {
    const shown = escapeForTerminal(file);
    const target = escapeForTerminal(before.find(isRemoteSpec) ?? 'host:path');
    throw new ScpipeError('ERR_USAGE', `unexpected argument "${shown}": put sends its stdin, not a named file: scpipe put ${target} < ${shown} (or scpipe cp ${shown} ${target}, as scp)`);
  }
  const stray = before.find((word, i) => i > 0 && !isRemoteSpec(word));
  if (stray !== undefined) {
    throw new ScpipeError(
      'ERR_USAGE',
      `unexpected argument "${escapeForTerminal(stray)}": put takes remote targets ([user@]host:path); to upload a command's output, give the command after --`,
    );
  }
  if (before.length > 1) refuseRepeatedTargets(before);
  if (before.length > 1) return after.length > 0 ? { targets: before, command: misplacedOption(after) } : { targets: before };
  const [target, ...command] = [...before, ...after];
  if (target === undefined) throw missingOperand('where to store the stream: [user@]host:path', args);
  return command.length > 0 ? { targets: [target], command: misplacedOption(command) } : { targets: [target] };
}

// No program's name starts with a dash: `put host:f -- -v` is an option of
// scpipe's put after the --, which failed as "cannot run -v: command not found" (exit 1).
function misplacedOption(command: string[]): string[] {
  if (!command[0]!.startsWith('-')) return command;
  throw new ScpipeError('ERR_USAGE', `"${escapeForTerminal(command[0]!)}" after -- is taken as the command to run: give scpipe's options before --, the command after it`);
}

/**
 * A target that names a directory (`host:`, `host:dir/`) needs --name: said
 * before the command runs or we connect (it came after connecting, so a
 * host that was down made it exit 255).
 */
export function checkTargetName(path: string, args: PutLikeArgs): void {
  if (args.name === undefined && namesNoFile(path)) throw namesDirectory(path, args['part-size'] === undefined); // a set takes no --name
}

/** Options of put that cp shares (cp has no --mode etc.: their defaults apply). */
export type PutLikeArgs = SshArgs & Partial<Omit<PutArgs, keyof SshArgs | keyof OperandArgs | 'scp-path'>>;

/** put's options, parsed and checked before the command runs or we connect. */
export interface CheckedPutArgs {
  mode: number;
  memory: number;
  size?: bigint;
  mtime?: bigint;
  partSize?: bigint;
}

/** --memory (put, and get of a parts set) in bytes: exit 2 for one that is not a size or is more than the machine's RAM. */
export function parseMemory(value: string): number {
  const memory = parseByteSize(value);
  if (memory > BigInt(Number.MAX_SAFE_INTEGER)) throw new ScpipeError('ERR_USAGE', `--memory ${value} is too large`);
  // More than the machine has: a long stream would be killed for want of
  // memory hours in, where it should have spilled to --spool-dir.
  if (memory > BigInt(os.totalmem())) {
    throw new ScpipeError('ERR_USAGE', `--memory ${value} is more than this machine's RAM (${formatBytes(os.totalmem())}): give less; past it the stream goes to --spool-dir`);
  }
  return Number(memory);
}

// A --name no server takes was said only once connected: after a password
// prompt, or as exit 255 where the host was down.
function checkNameOption(args: PutLikeArgs): void {
  const name = args.name;
  if (name === undefined) return;
  // SCP's records are lines: a newline ends one early (SFTP takes it).
  const scp = protocolOf(args) === 'scp' && name.includes('\n');
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || scp) {
    throw new ScpipeError('ERR_USAGE', `bad --name "${escapeForTerminal(name)}": give a file name (not empty, "." or "..", no "/"${scp ? ', and no newline over SCP' : ''}); the directory goes in the target (host:DIR/)`);
  }
}

/** Parses and checks put's options (exit 2 for a bad one, 1 for a spool or checksum directory that will not do). */
export async function checkPutArgs(args: PutLikeArgs): Promise<CheckedPutArgs> {
  const mode = parseMode(args.mode ?? DEFAULT_MODE);
  const memory = parseMemory(args.memory ?? DEFAULT_MEMORY);
  const size = args.size === undefined ? undefined : parseByteSize(args.size);
  // SCP cannot announce more (OpenSSH: `size out of range`); said before a byte is read, for SFTP too.
  if (size !== undefined && size > INT64_MAX) throw new ScpipeError('ERR_USAGE', `bad --size ${escapeForTerminal(args.size!)}: more than 2^63-1 bytes, the most a file can hold`);
  const mtime = args.mtime === undefined ? undefined : parseMtime(args.mtime);
  // As scp, times are sent only with -p: said, not silently dropped.
  if (mtime !== undefined && !args.p) throw new ScpipeError('ERR_USAGE', '--mtime is sent only with -p: add -p (which also keeps --mode exactly)');
  checkMtimeProtocol(mtime, args);
  checkNameOption(args);
  // SCP writes under the final name (parts too): there is never a temporary
  // file to sweep. Said, not refused: a nightly job that gives both stored its backups before.
  if (args['remove-stale'] && protocolOf(args) === 'scp') say('warning: --remove-stale removes what an SFTP upload leaves; with SCP (-O) there is none, so it does nothing');
  checkCounts(args);
  if (args['spool-dir'] !== undefined) await checkSpoolDirectory(args['spool-dir']);
  if (args['checksum-file'] === '-' && (args as { json?: boolean }).json) throw new ScpipeError('ERR_USAGE', '--checksum-file - and --json would both write to stdout: give the checksum a file name');
  await checkChecksumFile(args['checksum-file']);
  const partSize = args['part-size'] === undefined ? undefined : parseByteSize(args['part-size']);
  if (partSize !== undefined && (size !== undefined || args.name !== undefined || args.p)) throw new ScpipeError('ERR_USAGE', '--part-size does not go with --size, --name or -p');
  // Here, before the producer starts: runPutParts() came after it.
  if (partSize !== undefined && (partSize > BigInt(Number.MAX_SAFE_INTEGER) || partSize < 1n)) {
    // As typed: 8192T is 8 PiB, one byte past the largest part (2^53 - 1 bytes).
    throw new ScpipeError('ERR_USAGE', `bad --part-size ${escapeForTerminal(args['part-size']!)}: give 1 byte to just under 8 PiB (8191T), e.g. 64M`);
  }
  return { mode, memory: Number(memory), size, mtime, partSize };
}

/** The options of one put() that come straight from the command line (`stdin`: a regular file's size, and how to read it again). */
export function putOptions(args: PutLikeArgs, checked: CheckedPutArgs, stdin: Pick<StdinInput, 'fileSize' | 'reread'>): PutOptions {
  const { mode, memory, size, mtime } = checked;
  const { fileSize, reread } = stdin;
  return {
    reread,
    protocol: protocolOf(args),
    parallel: args.parallel,
    size: size ?? fileSize,
    ignoreExcess: size === undefined && fileSize !== undefined,
    mode,
    preserve: Boolean(args.p),
    times: mtime === undefined ? undefined : { mtime, atime: mtime },
    name: args.name,
    memoryLimit: memory,
    spoolDir: args['spool-dir'],
    retries: args.retries,
    sha256: wantsSha256(args),
    noClobber: Boolean(args['no-clobber']),
    verify: Boolean(args.verify),
    removeStale: Boolean(args['remove-stale']),
  };
}

