// The sink's decoder for what a remote `scp -f` sends (docs/protocol.md §4.2).
// Sans-I/O: push() the channel's bytes, call next() until it returns
// undefined (more bytes needed), act on each event.
//
// How this works. Pushed chunks are queued as they are (no copy). The decoder
// is in one of three states:
//   record  reads one line up to `\n` (at most `maxLine` bytes with the `\n`,
//           docs/protocol.md §8) and yields it parsed (record-parser.ts). After a C
//           it stays here: the sink either refuses the file (`\1`, and the
//           source sends no data, §4.1) or acks it and calls beginData(size).
//   data    yields views of the queued chunks, one event per chunk piece,
//           until `size` bytes have passed; then goes to status.
//   status  reads the source's byte after the body with response()'s rules
//           (§3): `\0`, or a `\1`/`\2`/stray line; yields it, back to record.
// next() consumes only the bytes of the event it returns; short of a whole
// event it returns undefined and consumes nothing (for a partial line it only
// remembers how far it has looked for the `\n`). A protocol violation throws,
// and every later call to next() throws the same error.
import { ScpipeError } from '../errors';
import { decodeRemote } from '../util/escape';
import { ByteQueue } from './byte-queue';
import { MAX_LINE_BYTES } from './records';
import { isRecordStart, parseRecord, protocolError } from './record-parser';
import type { SinkEvent } from './sink-types';
import { replyFromLine, type Reply } from './replies';
import { remoteError } from './session-errors';

// A \1/\2 message line may be this many times maxLine: a PATH_MAX path and its reason, with room.
const MESSAGE_LINES = 8;

/** What the decoder expects next. */
export type SinkDecoderState = 'record' | 'data' | 'status';

/** Options of a SinkDecoder. */
export interface SinkDecoderOptions {
  /** Longest line accepted, including its `\n` (default 2047, OpenSSH's buffer). */
  maxLine?: number;
}

const NL = 0x0a;

/** Incremental decoder for the records, bodies and status bytes a source sends. */
export class SinkDecoder {
  private readonly queue = new ByteQueue();
  private readonly maxLine: number;
  private current: SinkDecoderState = 'record';
  private remaining = 0n; // body bytes still to come (data state)
  private scanned = 0; // queued bytes known to hold no `\n` (record and status)
  private first = true; // no line read yet (docs/protocol.md §4.2)
  private afterFile = false; // the last event was a C record
  private failure: Error | undefined;

  constructor(options: SinkDecoderOptions = {}) {
    this.maxLine = options.maxLine ?? MAX_LINE_BYTES;
    if (!Number.isInteger(this.maxLine) || this.maxLine < 2) {
      throw new ScpipeError('ERR_USAGE', `bad maxLine: ${String(options.maxLine)}`);
    }
  }

  /** Queues bytes from the source. The decoder keeps the buffer: don't reuse it. */
  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next event, or undefined when more bytes are needed. */
  next(): SinkEvent | undefined {
    if (this.failure) throw this.failure;
    try {
      const event = this.current === 'data' ? this.data() : this.current === 'status' ? this.status() : this.record();
      if (event) this.afterFile = event.kind === 'record' && event.record.type === 'C';
      return event;
    } catch (err) {
      this.failure = err as Error;
      throw err;
    }
  }

  /** After acking a C record: the next `size` bytes are its body, then a status byte. */
  beginData(size: bigint): void {
    if (!this.afterFile || this.current !== 'record') {
      throw new ScpipeError('ERR_USAGE', 'SinkDecoder.beginData() is only valid right after a C record');
    }
    if (size < 0n) throw new ScpipeError('ERR_USAGE', `bad body size: ${size}`);
    this.afterFile = false;
    this.remaining = size;
    this.scanned = 0;
    this.current = size === 0n ? 'status' : 'data';
  }

  /** True between records with nothing half-read: end of input here is a clean end. */
  atBoundary(): boolean {
    return this.current === 'record' && this.queue.length === 0;
  }

  /**
   * The input ended after a whole body, before its status byte: takes that
   * as `\0` and goes back to a record boundary (true); false anywhere else.
   */
  endWithoutStatus(): boolean {
    if (this.failure || this.current !== 'status' || this.queue.length !== 0) return false;
    this.current = 'record';
    return true;
  }

  /** Bytes pushed but not yet returned in an event. */
  get pendingBytes(): number {
    return this.queue.length;
  }

  /** What the decoder expects next (for error messages at end of input). */
  get state(): SinkDecoderState {
    return this.current;
  }

  private record(): SinkEvent | undefined {
    const head = this.queue.peek();
    if (head === undefined) return undefined;
    if (head === NL) throw protocolError('unexpected <newline>');
    const line = this.line('header line too long', this.limitFor(head));
    if (!line) return undefined;
    const wasFirst = this.first;
    this.first = false;
    // OpenSSH passes a stray first line on as the remote's error: it is the
    // shell talking ("No match.", a banner), not scp (docs/protocol.md §4.2).
    if (wasFirst && !isRecordStart(line[0])) throw remoteError(decodeRemote(line));
    return { kind: 'record', record: parseRecord(line) };
  }

  private data(): SinkEvent | undefined {
    const max = this.remaining > BigInt(this.queue.length) ? this.queue.length : Number(this.remaining);
    if (max === 0) return undefined;
    const chunk = this.queue.takeView(max);
    this.remaining -= BigInt(chunk.length);
    if (this.remaining === 0n) this.current = 'status';
    return { kind: 'data', chunk };
  }

  private status(): SinkEvent | undefined {
    const head = this.queue.peek();
    if (head === undefined) return undefined;
    let reply: Reply;
    if (head === 0) {
      this.queue.take(1);
      reply = { kind: 'ok' };
    } else {
      const line = this.line('reply line too long', this.limitFor(head));
      if (!line) return undefined;
      reply = replyFromLine(line);
    }
    this.current = 'record';
    return { kind: 'status', reply };
  }

  // A \1 or \2 line is the remote's error: scp's `PATH: strerror` for a path
  // near PATH_MAX (4 KiB) is longer than a record may be, and was said as
  // "protocol error: … line too long" instead of its reason.
  private limitFor(first: number): number {
    return first === 1 || first === 2 ? this.maxLine * MESSAGE_LINES : this.maxLine;
  }

  // Takes one whole line without its `\n`, or returns undefined while it is
  // incomplete. Looks no further than `maxLine` bytes, so a peer that never
  // sends a newline fails as soon as that is certain.
  private line(tooLong: string, limit: number): Buffer | undefined {
    const nl = this.queue.indexOf(NL, this.scanned, limit);
    if (nl === -1) {
      this.scanned = Math.min(this.queue.length, limit);
      if (this.queue.length >= limit) throw protocolError(tooLong);
      return undefined;
    }
    this.scanned = 0;
    return this.queue.take(nl + 1).subarray(0, nl);
  }
}
