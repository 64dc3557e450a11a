// One file's body for cp over SFTP (sftp-tree-writer.ts): exactly the size
// its record announced, through the pipelined writer, into the open
// temporary file.
import { ScpipeError, abortError } from '../errors';
import type { OutgoingFile } from '../protocol/source-types';
import type { SftpSession } from '../sftp/session';
import { PipelinedWriter } from '../sftp/writer';
import { onAbort } from '../util/abort';
import { escapeForTerminal } from '../util/escape';
import { HELD_PER_LANE } from './sftp-put';

/** Writes `file`'s body to `handle` (`temp`): a file that grew is cut, as scp does; one that shrank is an error. */
export async function writeFileBody(session: SftpSession, handle: Buffer, temp: string, file: OutgoingFile, signal: AbortSignal | undefined): Promise<void> {
  const writer = new PipelinedWriter([{ session: session, handle }], {
    path: temp,
    pieceSize: session.limits.maxWrite,
    maxHeld: HELD_PER_LANE,
    onAck: (bytes) => file.onProgress?.(BigInt(bytes)),
  });
  // A write waiting for room waits for acknowledgements that a slow link holds back for minutes: an abort ends it.
  const unlisten = onAbort(signal, () => writer.fail(abortError(signal)));
  let sent = 0n;
  try {
    for await (const chunk of file.body) {
      if (signal?.aborted) throw abortError(signal);
      const piece = sent + BigInt(chunk.length) > file.size ? chunk.subarray(0, Number(file.size - sent)) : chunk;
      await writer.write(piece);
      sent += BigInt(piece.length);
      if (sent === file.size) break;
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
