// Reads replies from the channel's stdout for a source role: an awaitable
// `next()` over the sans-I/O ReplyDecoder. EOF, a stream error or an abort
// rejects the waiting caller; the data path watches `gone` so that a peer
// that goes away mid-file is noticed at once.
import type { Readable } from 'node:stream';
import { ScpipeError, abortError } from '../errors';
import { ReplyDecoder, type Reply } from './replies';
import { escapeForTerminal } from '../util/escape';
import { onAbort } from '../util/abort';

/** Awaitable replies from a sink. */
export class ReplyReader {
  private readonly decoder = new ReplyDecoder();
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;
  private readonly goneController = new AbortController();

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      this.deliver();
    });
    stream.on('end', () => this.end());
    stream.on('close', () => this.end());
    stream.on('error', (err) => this.end(err));
  }

  /** Fires, with the loss as its reason, when the peer's stdout ends or fails. */
  get gone(): AbortSignal {
    return this.goneController.signal;
  }

  /** True once the peer's stdout has ended. */
  get isClosed(): boolean {
    return this.ended !== undefined;
  }

  /** Waits for the next complete reply. */
  next(signal?: AbortSignal): Promise<Reply> {
    const ready = this.decoder.shift();
    if (ready) return Promise.resolve(ready);
    if (this.ended) return Promise.reject(this.ended);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Reply>((resolve, reject) => {
      const unlink = onAbort(signal, () => {
        this.waiter = undefined;
        reject(abortError(signal));
      });
      this.waiter = {
        resolve: (r) => {
          unlink();
          resolve(r);
        },
        reject: (e) => {
          unlink();
          reject(e);
        },
      };
    });
  }

  private deliver(): void {
    if (!this.waiter) return;
    const reply = this.decoder.shift();
    if (!reply) return;
    const w = this.waiter;
    this.waiter = undefined;
    w.resolve(reply);
  }

  // The source turns this into a precise message once the exit status is in.
  private end(cause?: Error): void {
    if (this.ended) return;
    const partial = this.decoder.partialText();
    this.ended = new ScpipeError(
      'ERR_LOST_CONNECTION',
      partial ? `connection closed in the middle of a reply: ${escapeForTerminal(partial)}` : 'connection closed',
      { cause, remoteMessage: partial ? escapeForTerminal(partial) : undefined },
    );
    this.goneController.abort(this.ended);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(this.ended);
    }
  }
}
