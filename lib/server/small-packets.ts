// A client's data on a channel that serve is not reading (an SFTP session
// whose queue is full, an scp upload behind a slow disk) waits in the
// channel's buffer, up to the receive window. ssh2 keeps each SSH packet's
// data as a Buffer of its own, which costs some 300 bytes however small it
// is: a client that sends its bytes a few at a time, reading no reply, made
// the 8 MiB window of one session cost some 90 MiB, and each of the ten
// sessions of each connection as much (docs/serve.md, "Bounded resources").
// So, while the channel is paused, small packets are copied together into
// blocks, and the window costs about what it holds.
import type { ServerChannel } from 'ssh2';

/** Packets smaller than this are copied into a block while the channel is paused. */
const SMALL = 4 * 1024;
/** A block of small packets is handed on once this full. */
const BLOCK = 64 * 1024;

// The parts of ssh2's Channel (a Node Readable) this relies on. Not public API: checked before use.
interface Pushable {
  push(chunk: Buffer | null, encoding?: BufferEncoding): boolean;
  _read(size: number): void;
  readableLength: number;
  readableHighWaterMark: number;
}

// Its own memory, not a slice of Node's shared pool, which would hold that pool's 8 KiB.
function copyOut(block: Buffer, used: number): Buffer {
  const out = Buffer.allocUnsafeSlow(used);
  block.copy(out, 0, 0, used);
  return out;
}

/** Makes `channel` keep small packets together while they wait (see the file comment). */
export function joinSmallPackets(channel: ServerChannel): void {
  const ch = channel as unknown as Partial<Pushable>;
  if (typeof ch.push !== 'function' || typeof ch._read !== 'function') return;
  const stream = ch as Pushable & ServerChannel;
  const ownPush = stream.push;
  const ownRead = stream._read;
  let block: Buffer | undefined;
  let used = 0;
  const handOn = (): void => {
    if (!block || used === 0) return;
    // A part-filled block is copied out: a view of a few bytes would keep the whole 64 KiB alive while it waits.
    const whole = used > BLOCK / 2 ? block.subarray(0, used) : copyOut(block, used);
    block = undefined;
    used = 0;
    ownPush.call(stream, whole);
  };
  stream.push = function (chunk: Buffer | null, encoding?: BufferEncoding): boolean {
    if (chunk === null || !Buffer.isBuffer(chunk) || chunk.length >= SMALL || !stream.isPaused()) {
      handOn();
      return ownPush.call(stream, chunk, encoding);
    }
    if (used + chunk.length > BLOCK) handOn();
    block ??= Buffer.allocUnsafe(BLOCK);
    chunk.copy(block, used);
    used += chunk.length;
    if (used >= BLOCK - SMALL) handOn();
    // What the channel's own push would say: ssh2 stops refilling the window at false.
    return stream.readableLength + used < stream.readableHighWaterMark;
  };
  // The reader wants more: what waits in the block goes first.
  stream._read = function (size: number): void {
    handOn();
    ownRead.call(stream, size);
  };
  channel.on('resume', handOn);
}
