// The requests of one SFTP session that were received and have not started,
// bounded in count and in bytes whatever the client queues: when full, the
// session pauses the channel, the window is no longer refilled, and the
// client stops sending.
import type { Request } from './requests';

/** Requests received and not yet started, at most. */
export const MAX_QUEUED = 64;
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** The waiting requests, first come first. */
export class RequestQueue {
  private readonly waiting: Array<{ req: Request; bytes: number }> = [];
  private bytes = 0;

  get length(): number {
    return this.waiting.length;
  }

  /** True when no more may be taken from the channel. */
  get full(): boolean {
    return this.waiting.length >= MAX_QUEUED || this.bytes >= MAX_QUEUED_BYTES;
  }

  /** `bytes`: the size of the packet the request came in. */
  push(req: Request, bytes: number): void {
    this.waiting.push({ req, bytes });
    this.bytes += bytes;
  }

  /** The request that starts next, if any. */
  first(): Request | undefined {
    return this.waiting[0]?.req;
  }

  /** Removes and returns the first request; the queue must not be empty. */
  shift(): Request {
    const { req, bytes } = this.waiting.shift()!;
    this.bytes -= bytes;
    return req;
  }

  /** Forgets everything waiting: the channel closed, none of it will run. */
  clear(): void {
    this.waiting.length = 0;
    this.bytes = 0;
  }
}
