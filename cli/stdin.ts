// What put reads: stdin, refused when it is a terminal (like gzip), sent
// without a spool when it is a regular file (its size is known), otherwise
// (a pipe, socket or device) spooled by a worker thread straight from fd 0,
// or, when --size gives the size of such a stream, read as process.stdin.
import { fstatSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { isatty } from 'node:tty';
import { Readable } from 'node:stream';
import { ScpipeError, type DescriptorSource } from '../lib';
import { FileReads } from '../lib/internal';
import { looksClosed } from './stdout';
import type { EmptyInputSource } from './report';

/** stdin as put's input, with its size when it is a regular file. */
export interface StdinInput {
  input: Readable | DescriptorSource;
  /** Size of a regular file on stdin; undefined for a pipe, socket or device. */
  fileSize?: bigint;
  /** A regular file read again from where stdin began, for a resend after a lost connection. */
  reread?: () => Readable;
  /** stdin is /dev/null: what a service unit gets when it was given no input. */
  devNull?: true;
}

/** Opens stdin for put; `sizeKnown`: --size was given, so a stream is not spooled. */
export function openStdin(sizeKnown = false): StdinInput {
  if (isatty(0)) {
    throw new ScpipeError('ERR_STDIN_IS_TTY', 'refusing to read data from a terminal; pipe a stream in, e.g. `tar c dir | scpipe put host:dir.tar`');
  }
  // Node reads a closed stdin (`<&-`) as /dev/null: an empty file was stored, exit 0.
  if (looksClosed(0)) {
    throw new ScpipeError('ERR_USAGE', 'stdin is closed (or /dev/null opened read-write, which is what a closed stdin becomes): nothing to send; to store an empty file, give --size 0 < /dev/null');
  }
  const st = fstatSync(0, { bigint: true });
  // Node reads a directory on fd 0 as an empty stream: `put < DIR` stored an empty file, exit 0.
  if (st.isDirectory()) {
    throw new ScpipeError('ERR_USAGE', 'stdin is a directory; put sends one stream: pipe the tree in (`tar -C DIR -c . | scpipe put host:DIR.tar`) or copy it with `scpipe cp -r DIR host:`');
  }
  if (st.isFile()) {
    const start = stdinOffset();
    // Sequential reads from the current offset, in large blocks; where that
    // offset is known, reads at it, so that the file can be read again.
    if (start === undefined) return { input: new FileReads(0), fileSize: st.size };
    const from = (): Readable => new FileReads(0, start);
    return { input: from(), fileSize: st.size > BigInt(start) ? st.size - BigInt(start) : 0n, reread: from };
  }
  // `< /dev/null` stores an empty file; put warns of it unless --size 0 says it
  // was meant: it is also systemd's stdin for a unit whose input was forgotten.
  if (isDevNull(st)) return { input: Readable.from([]), fileSize: 0n, reread: () => Readable.from([]), devNull: true };
  if (sizeKnown) return { input: process.stdin };
  // Creating process.stdin (never read) makes a pipe or socket non-blocking,
  // so the spool thread never sits in a read() that only the producer can
  // end: a Ctrl-C while the producer is silent must still exit at once (the
  // process cannot exit while one of its threads is blocked in a read).
  // Node restores the descriptor's flags at exit.
  void process.stdin;
  return { input: { fd: 0 } };
}

/**
 * What to warn of if the input turns out empty, or undefined where an empty
 * file is what was meant: --size 0, or an empty regular file on stdin.
 */
export function emptyInputSource(stdin: Pick<StdinInput, 'fileSize' | 'devNull'> | undefined, sizeGiven: boolean): EmptyInputSource | undefined {
  if (sizeGiven) return undefined;
  if (stdin === undefined) return 'command';
  if (stdin.devNull) return 'devnull';
  return stdin.fileSize === undefined ? 'pipe' : undefined;
}

// Where stdin's file offset stands (`(head -c 100; scpipe put …) < f` starts
// past 0): Linux says it in /proc; elsewhere unknown, and the file is not read again.
function stdinOffset(): number | undefined {
  try {
    const pos = /^pos:\s*(\d+)$/m.exec(readFileSync('/proc/self/fdinfo/0', 'utf8'));
    return pos ? Number(pos[1]) : undefined;
  } catch {
    return undefined;
  }
}

function isDevNull(st: BigIntStats): boolean {
  try {
    return st.isCharacterDevice() && st.rdev === statSync('/dev/null', { bigint: true }).rdev;
  } catch {
    return false;
  }
}
