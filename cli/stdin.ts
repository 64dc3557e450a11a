// What put reads: stdin, refused when it is a terminal (like gzip), sent
// without a spool when it is a regular file (its size is known).
import { createReadStream, fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Readable } from 'node:stream';
import { ScpipeError } from '../lib/errors';

/** stdin as put's input, with its size when it is a regular file. */
export interface StdinInput {
  input: Readable;
  /** Size of a regular file on stdin; undefined for a pipe, socket or device. */
  fileSize?: bigint;
}

const READ_BLOCK = 1024 * 1024;

/** Opens stdin for put. */
export function openStdin(): StdinInput {
  if (isatty(0)) {
    throw new ScpipeError('ERR_STDIN_IS_TTY', 'refusing to read data from a terminal; pipe a stream in, e.g. `tar c dir | scpipe put host:dir.tar`');
  }
  const st = fstatSync(0, { bigint: true });
  if (st.isFile()) {
    // Sequential reads from the current offset, in large blocks.
    return { input: createReadStream('', { fd: 0, autoClose: false, highWaterMark: READ_BLOCK }), fileSize: st.size };
  }
  return { input: process.stdin };
}
