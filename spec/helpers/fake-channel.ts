// An in-memory ScpChannel whose peer is a script: it plays back bytes the
// test chose (already split into chunks) and records what we sent. For the
// hostile and broken peers that real OpenSSH will not produce.
import { PassThrough, Writable } from 'node:stream';
import type { ExitStatus, ScpChannel } from '../../lib/protocol/channel';

export interface FakePeer {
  channel: ScpChannel;
  /** Everything the role wrote to the peer. */
  sent(): Buffer;
  /** True once the role sent EOF. */
  readonly ended: boolean;
  destroyed: boolean;
}

export interface FakePeerScript {
  /** Reply bytes, in chunks, played one per tick as soon as the channel opens. */
  chunks: Buffer[];
  /** Bytes on stderr. */
  stderr?: string;
  /** Exit status once the role sends EOF (or at once if `closeEarly`). */
  exit?: ExitStatus;
  /** Close stdout after the chunks instead of waiting for our EOF. */
  closeEarly?: boolean;
  /** Accept at most this many bytes of our writes before stalling (backpressure). */
  highWaterMark?: number;
}

export function fakePeer(script: FakePeerScript): FakePeer {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const received: Buffer[] = [];
  const exit = script.exit ?? { code: 0, signal: null };
  let resolveExit!: (s: ExitStatus) => void;
  const exitPromise = new Promise<ExitStatus>((r) => (resolveExit = r));
  const close = (): void => {
    if (!stdout.writableEnded) stdout.end();
    if (!stderr.writableEnded) stderr.end();
    setImmediate(() => resolveExit(exit));
  };
  const peer: FakePeer = {
    sent: () => Buffer.concat(received),
    ended: false,
    destroyed: false,
    channel: undefined as unknown as ScpChannel,
  };
  const stdin = new Writable({
    highWaterMark: script.highWaterMark ?? 16384,
    write(chunk: Buffer, _enc, cb) {
      received.push(Buffer.from(chunk));
      setImmediate(cb);
    },
    final(cb) {
      (peer as { ended: boolean }).ended = true;
      close();
      cb();
    },
  });
  peer.channel = {
    stdout,
    stdin,
    stderr,
    exit: exitPromise,
    destroy: () => {
      peer.destroyed = true;
      close();
    },
  };
  void (async () => {
    if (script.stderr) stderr.write(script.stderr);
    for (const c of script.chunks) {
      await new Promise((r) => setImmediate(r));
      stdout.write(c);
    }
    if (script.closeEarly) close();
  })();
  return peer;
}

/** Splits `bytes` at the given offsets. */
export function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) out.push(bytes.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  return out;
}

/** Every way of splitting `bytes` in two, plus whole and byte by byte. */
export function everySplit(bytes: Buffer): Buffer[][] {
  const ways: Buffer[][] = [[bytes], [...bytes].map((b) => Buffer.from([b]))];
  for (let i = 1; i < bytes.length; i++) ways.push(splitAt(bytes, [i]));
  return ways;
}

/** An async iterable of buffers. */
export async function* chunksOf(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.isBuffer(p) ? p : Buffer.from(p);
}
