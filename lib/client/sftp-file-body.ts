// One file's body for cp over SFTP (sftp-tree-writer.ts): exactly the size
// its record announced, through the pipelined writer, into the open
// temporary file. A file of at least one write request is read straight
// into the requests' reused buffers, as put reads a regular file
// (sftp-pieces.ts), not in 256 KiB reads copied into 255 KiB requests.
import { ScpipeError, abortError } from '../errors';
import { FileReads } from '../fs/file-reads';
import type { OutgoingFile } from '../protocol/source-types';
import type { SftpSession } from '../sftp/session';
import { PipelinedWriter } from '../sftp/writer';
import { onAbort } from '../util/abort';
import { escapeForTerminal } from '../util/escape';
import { HELD_PER_LANE } from './sftp-put';
import { piecesOf, type PieceSource } from './sftp-pieces';

/** Writes `file`'s body to `handle` (`temp`): a file that grew or shrank while read is an error, not stored. */
export async function writeFileBody(session: SftpSession, handle: Buffer, temp: string, file: OutgoingFile, signal: AbortSignal | undefined): Promise<void> {
  const pieceSize = session.limits.maxWrite;
  // A smaller file is one read of its size, sent as it is.
  const pieces = file.body instanceof FileReads && file.size >= BigInt(pieceSize) ? piecesOf(file.body, pieceSize) : undefined;
  const writer = new PipelinedWriter([{ session: session, handle }], {
    path: temp,
    pieceSize,
    maxHeld: HELD_PER_LANE,
    onAck: (bytes) => file.onProgress?.(BigInt(bytes)),
    onRelease: pieces && ((data) => pieces.release(data)),
  });
  // A write waiting for room waits for acknowledgements that a slow link holds back for minutes: an abort ends it.
  const unlisten = onAbort(signal, () => writer.fail(abortError(signal)));
  let sent = 0n;
  try {
    // Read to the end of file: one that grew since its size was taken is not stored cut.
    for await (const chunk of pieces ? piecesIn(pieces) : file.body) {
      if (signal?.aborted) throw abortError(signal);
      if (sent + BigInt(chunk.length) > file.size) throw grew(file);
      await writer.write(chunk);
      sent += BigInt(chunk.length);
    }
    await writer.flush();
  } catch (err) {
    writer.fail(err instanceof ScpipeError ? err : new ScpipeError('ERR_LOCAL_IO', String(err), { cause: err }));
    if (err instanceof ScpipeError) throw err;
    throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(file.name)}: ${(err as Error).message}`, { cause: err });
  } finally {
    unlisten();
  }
  if (sent < file.size) {
    throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(file.localPath ?? file.name)}: the file shrank while being sent (${sent} of ${file.size} bytes); not stored`);
  }
}

function grew(file: OutgoingFile): ScpipeError {
  return new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(file.localPath ?? file.name)}: the file grew while being sent (past its ${file.size} bytes); not stored`);
}

// The pieces as an iterable; leaving the loop early stops the reads. A
// failed read is thrown as the file's own error, as the stream's would be.
async function* piecesIn(pieces: PieceSource): AsyncGenerator<Buffer> {
  const next = (): Promise<Buffer | undefined> => pieces.next().catch((err: unknown) => Promise.reject((err as ScpipeError).cause ?? err));
  try {
    for (let piece = await next(); piece !== undefined; piece = await next()) yield piece;
  } finally {
    pieces.close();
  }
}
