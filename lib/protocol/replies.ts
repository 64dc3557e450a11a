// Decodes the replies a sink sends to a source (docs/protocol.md §3): `\0`, or a
// type byte 1 / 2 followed by a message line. Any other first byte is the
// start of a stray line (shell noise, an rssh refusal) that OpenSSH treats as
// fatal. Sans-I/O: push bytes in, take whole replies out; a partial message
// stays buffered until its newline arrives.
import { decodeRemote } from '../util/escape';
import { MAX_LINE_BYTES } from './records';

/** One reply from the peer. `message` is raw text; escape it before display. */
export type Reply =
  | { kind: 'ok' }
  | { kind: 'warning'; message: string } // \1: this item failed, go on
  | { kind: 'fatal'; message: string } // \2: the peer gives up
  | { kind: 'unexpected'; message: string }; // any other byte: stray text

/** The kind of a reply that starts with `byte` (other than \0). */
function replyKind(byte: number): 'warning' | 'fatal' | 'unexpected' {
  return byte === 1 ? 'warning' : byte === 2 ? 'fatal' : 'unexpected';
}

/**
 * A whole non-\0 reply line, without its `\n`: \1 and \2 drop their type
 * byte, a stray line keeps its first byte as text.
 */
export function replyFromLine(line: Uint8Array): Reply {
  const kind = replyKind(line[0]!);
  return { kind, message: decodeRemote(line.subarray(kind === 'unexpected' ? 0 : 1)) };
}

// A message's first bytes, and its last ones once it outgrows MAX_LINE_BYTES
// (`dropped` counts what went between): scp's "PATH: File name too long" for
// a path near PATH_MAX keeps its reason, which comes last. The tail is kept as
// pieces and cut back only once it holds twice what is kept: a peer that sends
// a long line a byte at a time costs a byte's work per byte, not a tail's copy.
type Pending = { kind: 'warning' | 'fatal' | 'unexpected'; parts: Buffer[]; length: number; tail: Buffer[]; tailLength: number; dropped: number };
const HEAD_BYTES = Math.floor(MAX_LINE_BYTES / 2);
const TAIL_BYTES = MAX_LINE_BYTES - HEAD_BYTES;

/** Incremental reply decoder. */
export class ReplyDecoder {
  private pending: Pending | undefined;
  private readonly ready: Reply[] = [];

  /** Feeds bytes from the peer; every byte is consumed. */
  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (!this.pending) {
        const byte = chunk[i]!;
        if (byte === 0) {
          this.ready.push({ kind: 'ok' });
          i += 1;
          continue;
        }
        const kind = replyKind(byte);
        this.pending = { kind, parts: [], length: 0, tail: [], tailLength: 0, dropped: 0 };
        // A stray line keeps its first byte as text; \1 and \2 drop theirs.
        if (kind !== 'unexpected') i += 1;
        continue;
      }
      const nl = chunk.indexOf(10, i);
      const end = nl === -1 ? chunk.length : nl;
      this.keep(chunk.subarray(i, end));
      i = end;
      if (nl !== -1) {
        i += 1;
        const kind = this.pending.kind;
        const message = this.text();
        this.pending = undefined;
        this.ready.push({ kind, message });
      }
    }
  }

  /** Takes the oldest complete reply, if any. */
  shift(): Reply | undefined {
    return this.ready.shift();
  }

  /** True while a message line has started but not ended. */
  get partial(): boolean {
    return this.pending !== undefined;
  }

  /** The text of an unfinished message line (for errors at EOF). */
  partialText(): string {
    return this.pending ? this.text() : '';
  }

  private text(): string {
    const p = this.pending!;
    const head = decodeRemote(Buffer.concat(p.parts));
    if (p.tailLength === 0) return head;
    const tail = Buffer.concat(p.tail, p.tailLength);
    const dropped = p.dropped + Math.max(0, tail.length - TAIL_BYTES);
    return `${head}${dropped > 0 ? ` [${dropped} bytes left out] ` : ''}${decodeRemote(tail.subarray(Math.max(0, tail.length - TAIL_BYTES)))}`;
  }

  // Keeps at most one line's worth of message, its head and its tail: a peer
  // that never sends a newline must not grow our memory (docs/protocol.md §8).
  private keep(bytes: Uint8Array): void {
    const p = this.pending!;
    const room = HEAD_BYTES - p.length;
    if (bytes.length === 0) return;
    const taken = Math.min(Math.max(0, room), bytes.length);
    if (taken > 0) {
      p.parts.push(Buffer.from(bytes.subarray(0, taken)));
      p.length += taken;
    }
    if (taken === bytes.length) return;
    // Only the last TAIL_BYTES of a chunk can be kept: a huge chunk is not copied whole.
    const rest = bytes.subarray(taken);
    const kept = rest.subarray(Math.max(0, rest.length - TAIL_BYTES));
    p.dropped += rest.length - kept.length;
    p.tail.push(Buffer.from(kept));
    p.tailLength += kept.length;
    if (p.tailLength < 2 * TAIL_BYTES) return;
    const tail = Buffer.concat(p.tail, p.tailLength);
    p.dropped += tail.length - TAIL_BYTES;
    p.tail = [Buffer.from(tail.subarray(tail.length - TAIL_BYTES))];
    p.tailLength = TAIL_BYTES;
  }
}
