// The input of an SFTP put as request-size pieces, in buffers that are
// reused once the server has acknowledged them (the writer's onRelease), so
// a stream of any size cycles through the same few megabytes. A pipe or
// socket on stdin is read straight into the piece being filled
// (spool/pipe-reads.ts). Anything else (a Readable, an
// iterable, a regular file) is copied into the pieces, but a spool file's
// replay (a part of a set) and FileReads (a regular file on stdin, or a file
// cp sends, sftp-file-body.ts) read each
// piece into the pool themselves.
import { fstatSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { PutInput } from './put-types';
import { ChunkReader } from '../protocol/chunk-reader';
import { inputError, toBuffer } from '../spool/input';
import { FileReplay } from '../spool/replay';
import { FileReads } from '../fs/file-reads';
import { descriptorChunks } from './descriptor-chunks';
import { PipeReads } from '../spool/pipe-reads';

/** The input cut into pieces; see the file comment. */
export interface PieceSource {
  /** The next piece (`pieceSize` bytes, the last one shorter), or undefined at the end. */
  next(): Promise<Buffer | undefined>;
  /** A piece the server acknowledged: its buffer may be filled again. */
  release(piece: Buffer): void;
  /** Stops reading; a descriptor is left open. */
  close(): void;
}

/** The pieces of `input`. */
export function piecesOf(input: PutInput, pieceSize: number): PieceSource {
  const pool = new PiecePool(pieceSize);
  if (input instanceof Uint8Array) return new ChunkPieces([input][Symbol.iterator](), pool);
  if (input instanceof FileReplay || input instanceof FileReads) input.fitReads(pieceSize, (length) => pool.take().subarray(0, length), (piece) => pool.give(piece));
  if (input instanceof Readable) return new ChunkPieces(chunksOf(input), pool);
  if (Symbol.asyncIterator in input) return new ChunkPieces((input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator](), pool);
  // libuv never closes descriptors 0-2, so a socket of our own on stdin leaves it open.
  const st = fstatSync(input.fd);
  if (input.fd <= 2 && (st.isFIFO() || st.isSocket())) return new PipePieces(input.fd, pool);
  if (st.isFile()) return piecesOf(new FileReads(input.fd), pieceSize);
  return new ChunkPieces(input.fd === 0 ? process.stdin[Symbol.asyncIterator]() : descriptorChunks(input.fd), pool);
}

// A Readable chunk by chunk, as pushed: its own iterator joins the chunks it
// holds into a fresh buffer, one more copy of nearly every byte. return() destroys it, as that iterator's does.
function chunksOf(stream: Readable): AsyncIterator<Uint8Array> {
  const reader = new ChunkReader(stream);
  return {
    next: () => reader.next(),
    return: async () => {
      stream.destroy();
      return { done: true, value: undefined };
    },
  };
}

// Buffers of pieceSize bytes, each its own ArrayBuffer: lent out, and given back once acknowledged.
class PiecePool {
  private readonly free: ArrayBuffer[] = [];
  private readonly lent = new WeakSet<ArrayBuffer>();

  constructor(readonly size: number) {}

  take(): Buffer {
    const buf = Buffer.from(this.free.pop() ?? new ArrayBuffer(this.size));
    this.lent.add(buf.buffer);
    return buf;
  }

  // Only the pool's own buffers, each once: a piece may be a slice of the input itself.
  give(piece: Buffer): void {
    const ab = piece.buffer as ArrayBuffer;
    if (!this.lent.delete(ab)) return;
    this.free.push(ab);
  }
}

// The chunks copied into the pieces; a chunk holding a whole piece at the start of one is passed on as it is.
// A failing input and a chunk that is not bytes are ERR_LOCAL_IO, as through the spool (spool/input.ts).
class ChunkPieces implements PieceSource {
  private rest: Uint8Array = new Uint8Array(0);
  private taken = 0;

  constructor(
    private readonly it: Iterator<Uint8Array> | AsyncIterator<Uint8Array>,
    private readonly pool: PiecePool,
  ) {}

  async next(): Promise<Buffer | undefined> {
    const size = this.pool.size;
    let piece: Buffer | undefined;
    let fill = 0;
    for (;;) {
      if (this.rest.length === 0) {
        let r: IteratorResult<Uint8Array>;
        try {
          r = await this.it.next();
        } catch (err) {
          throw inputError(err, this.taken);
        }
        if (r.done) return piece?.subarray(0, fill);
        this.rest = toBuffer(r.value, this.taken);
        this.taken += this.rest.length;
        continue;
      }
      if (piece === undefined && this.rest.length >= size) {
        const whole = Buffer.from(this.rest.buffer, this.rest.byteOffset, size);
        this.rest = this.rest.subarray(size);
        return whole;
      }
      piece ??= this.pool.take();
      const n = Math.min(this.rest.length, size - fill);
      piece.set(n === this.rest.length ? this.rest : this.rest.subarray(0, n), fill);
      fill += n;
      this.rest = this.rest.subarray(n);
      if (fill === size) return piece;
    }
  }

  release(piece: Buffer): void {
    this.pool.give(piece);
  }

  close(): void {
    this.rest = new Uint8Array(0);
    Promise.resolve(this.it.return?.()).catch(() => undefined);
  }
}

// A pipe or socket on stdin, each read into the piece being filled (spool/pipe-reads.ts).
class PipePieces implements PieceSource {
  private readonly reads: PipeReads;

  constructor(fd: number, private readonly pool: PiecePool) {
    this.reads = new PipeReads(fd, () => pool.take());
  }

  next(): Promise<Buffer | undefined> {
    return this.reads.next();
  }

  release(piece: Buffer): void {
    this.pool.give(piece);
  }

  close(): void {
    this.reads.close();
  }
}
