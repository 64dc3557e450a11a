// A FIFO given as --checksum-file is written as `sha256sum > FIFO` writes
// it: once a reader opens it, however late. The open is tried without
// blocking, again every 50 ms to 1 s, because a blocking open(2) waits in one
// of Node's threads, and the exit waits for those: a second signal, or the
// 10 s bound after the first, then said "exit 0" and did not exit until a
// reader came.
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { byteFs, errnoCode } from '../lib/internal';

const FIRST_WAIT_MS = 50;
const LONGEST_WAIT_MS = 1000;

/** Writes `text` into the FIFO at `path` once something reads it. */
export async function writeFifo(path: string, text: string | Buffer): Promise<void> {
  const fh = await openOnceRead(path);
  try {
    const data = Buffer.from(text);
    let done = 0;
    let wait = FIRST_WAIT_MS;
    while (done < data.length) {
      try {
        done += (await fh.write(data, done)).bytesWritten;
      } catch (err) {
        if (errnoCode(err) !== 'EAGAIN') throw err;
        await sleep(wait); // the pipe is full: its reader is slow
        wait = Math.min(wait * 2, LONGEST_WAIT_MS);
      }
    }
  } finally {
    await fh.close();
  }
}

// ENXIO: no reader has it open yet (open(2), O_NONBLOCK with O_WRONLY).
async function openOnceRead(path: string): Promise<FileHandle> {
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, LONGEST_WAIT_MS)) {
    try {
      return await byteFs.open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if (errnoCode(err) !== 'ENXIO') throw err;
    }
    await sleep(wait);
  }
}
