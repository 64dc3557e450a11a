// get() into a stream (stdout, a library caller's writable): the body is
// written as it comes, at the pace `out` takes it, and a write error of
// `out`, its closing or an abort ends the download with a message that
// names the output. The stream is never ended: it is the caller's.
import { abortError, ScpipeError } from '../errors';
import { describeIoError, errnoCode } from '../fs/strerror';
import { replyPool } from '../sftp/reply-pool';
import type { Download } from './get-types';
import type { SumCheck } from './sum-check';

/**
 * The body into `out`, never ending it, and written: a write error of `out`
 * ends the download, and so does `out` closing or the signal while it waits.
 * `reuse`: each chunk given back once its write is called back (reply-pool.ts).
 */
export async function pourDownload(download: Download, out: NodeJS.WritableStream, onBytes: (n: number) => void, check?: SumCheck, signal?: AbortSignal, reuse?: boolean): Promise<void> {
  let failed: unknown;
  const onError = (err: unknown): void => void (failed ??= err);
  out.on('error', onError);
  try {
    for await (const chunk of download.body as AsyncIterable<Buffer>) {
      if (failed !== undefined) throw outputError(out, failed);
      onBytes(chunk.length);
      check?.update(chunk);
      if (!out.write(chunk, reuse ? () => replyPool.giveBack(chunk) : undefined)) await drained(out, signal);
    }
    if (failed !== undefined) throw outputError(out, failed);
    await flushed(out, signal);
  } finally {
    out.off('error', onError);
  }
}

// 'drain', or why it will never come: an error, the stream closed, an abort.
function drained(out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  const emitter = out as NodeJS.WritableStream & { destroyed?: boolean };
  if (emitter.destroyed) return Promise.reject(closedError(out));
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const settle = (err?: unknown): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      signal?.removeEventListener('abort', onAbortEvent);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => settle();
    const onError = (err: unknown): void => settle(outputError(out, err));
    const onClose = (): void => settle(closedError(out));
    const onAbortEvent = (): void => settle(abortError(signal));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
    signal?.addEventListener('abort', onAbortEvent, { once: true });
  });
}

// The last bytes may still wait in `out`'s buffer (a pipe whose reader is
// slow): a reader that exits now fails them (EPIPE), which must not be an exit 0.
function flushed(out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  if ((out as { writableLength?: number }).writableLength === 0) return Promise.resolve();
  if ((out as { destroyed?: boolean }).destroyed) return Promise.reject(closedError(out));
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbortEvent = (): void => reject(abortError(signal));
    signal?.addEventListener('abort', onAbortEvent, { once: true });
    // Called once every byte queued before it is written, or with the write's error.
    out.write(Buffer.alloc(0), (err?: Error | null) => {
      signal?.removeEventListener('abort', onAbortEvent);
      if (err) reject(outputError(out, err));
      else resolve();
    });
  });
}

/** The output as a message names it: stdout (the CLI's get), else "the output". */
export function outputName(out: NodeJS.WritableStream): string {
  return out === process.stdout ? 'stdout' : 'the output';
}

function outputError(out: NodeJS.WritableStream, err: unknown): ScpipeError {
  if (err instanceof ScpipeError) return err;
  // EPIPE is the reader exiting (`| head`, a pg_restore that failed); libuv calls it "write EPIPE".
  const why = errnoCode(err) === 'EPIPE' ? 'Broken pipe (the program reading it exited before the end of the file)' : describeIoError(err);
  return new ScpipeError('ERR_LOCAL_IO', `cannot write ${outputName(out)}: ${why}`, { cause: err });
}

function closedError(out: NodeJS.WritableStream): ScpipeError {
  return new ScpipeError('ERR_LOCAL_IO', `cannot write ${outputName(out)}: it was closed before the download ended`);
}
