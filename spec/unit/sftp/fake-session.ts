// A stand-in for SftpSession in the writer and reader tests: requests wait
// until the test answers them, in any order.
import { ScpipeError } from '../../../lib/errors';
import type { SftpSession } from '../../../lib/sftp/session';

export interface PendingWrite {
  offset: number;
  data: Buffer;
  ok(): void;
  fail(err: ScpipeError): void;
}

export class FakeSession {
  readonly writes: PendingWrite[] = [];
  readonly stored = new Map<number, Buffer>();
  ended = false;
  file: Buffer = Buffer.alloc(0);
  /** Bytes a read returns at most (a server that answers short). */
  readCap = Infinity;
  readonly reads: number[] = [];

  limits = { maxWrite: 4, maxRead: 4 };
  private readonly lostListeners = new Set<(err: ScpipeError) => void>();

  // As SftpSession's: a session already lost tells a new listener soon.
  onLost(_path: string, listener: (err: ScpipeError) => void): () => void {
    this.lostListeners.add(listener);
    if (this.ended) queueMicrotask(() => this.lostListeners.delete(listener) && listener(new ScpipeError('ERR_LOST_CONNECTION', 'lost')));
    return () => void this.lostListeners.delete(listener);
  }

  /** The channel goes away with nothing pending: tells the onLost() listeners. */
  lose(): void {
    this.ended = true;
    for (const tell of [...this.lostListeners]) tell(new ScpipeError('ERR_LOST_CONNECTION', 'lost'));
  }

  get watchers(): number {
    return this.lostListeners.size;
  }

  write(_h: Buffer, data: Buffer, offset: number): Promise<void> {
    if (this.ended) return Promise.reject(new ScpipeError('ERR_LOST_CONNECTION', 'lost'));
    return new Promise<void>((resolve, reject) => {
      this.writes.push({
        offset,
        data: Buffer.from(data),
        ok: () => {
          this.stored.set(offset, Buffer.from(data));
          resolve();
        },
        fail: reject,
      });
    });
  }

  async read(_h: Buffer, length: number, position: number): Promise<Buffer> {
    this.reads.push(position);
    await Promise.resolve();
    return this.file.subarray(position, position + Math.min(length, this.readCap));
  }

  /** Acknowledges pending writes (all, or those matching). */
  ackAll(which: (w: PendingWrite) => boolean = () => true): void {
    for (const w of this.writes.filter(which)) {
      this.writes.splice(this.writes.indexOf(w), 1);
      w.ok();
    }
  }

  asSession(): SftpSession {
    return this as unknown as SftpSession;
  }
}

/** Lets pending promise callbacks run. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
