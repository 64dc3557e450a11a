// What the sink reads (docs/protocol.md §4.2): the remote source's bytes,
// pulled from the channel only as fast as the sink asks for the next event,
// and what an EOF means where it comes (a clean end, libssh2's missing
// status byte, or a lost connection).
import { ScpipeError, abortError } from '../errors';
import { Interrupt } from '../util/interrupt';
import type { ScpChannel } from './channel';
import { ChunkReader } from './chunk-reader';
import type { RemoteStderr } from './remote-stderr';
import { sinkLossError } from './session-errors';
import { SinkDecoder } from './sink-decoder';
import type { SinkEvent, SinkOptions } from './sink-types';
import { waitForExit } from './wait-exit';

/** The decoder's events over a channel's stdout, for ScpSink. */
export class SinkInput {
  private readonly decoder = new SinkDecoder();
  private readonly input: AsyncIterator<Buffer>;
  private interrupt = new Interrupt(undefined); // run()'s, on the signal

  /** `warn`: says a line that cannot be parsed to the source, as OpenSSH's sink does. */
  constructor(private readonly channel: ScpChannel, private readonly stderr: RemoteStderr, private readonly opts: SinkOptions, private readonly warn: (message: string) => void) {
    // Not [Symbol.asyncIterator](): that copies whenever more than one chunk
    // is buffered (see chunk-reader.ts), and destroys the stream at EOF,
    // which on a duplex channel would close it before the exit status is exchanged.
    this.input = new ChunkReader(channel.stdout);
  }

  /** Reads race the signal from now until dispose(): its listener lives no longer than the session. */
  listen(): void {
    this.interrupt = new Interrupt(this.opts.signal);
  }

  dispose(): void {
    this.interrupt.dispose();
  }

  /** The next `size` bytes are a file's body. */
  beginData(size: bigint): void {
    this.decoder.beginData(size);
  }

  /**
   * The next decoder event, pulling chunks from the channel as needed. At
   * EOF: undefined if that is a clean end here, else a lost-connection error.
   */
  async next(recordBoundaryOk: boolean): Promise<SinkEvent | undefined> {
    for (;;) {
      const ev = this.nextDecoded();
      if (ev) return ev;
      // Raced against an abort: a channel whose remote stalls closes only when the remote ends.
      const answered = this.channel.stall?.wait(this.decoder.state === 'record' ? "the remote's next record" : "the remote's data");
      const read = this.interrupt.race(this.input.next());
      // No watch (the default): no further promise per chunk of a download.
      const { value, done } = await (answered ? read.finally(answered) : read).catch((): IteratorResult<Buffer> => {
        if (this.opts.signal?.aborted) throw abortError(this.opts.signal);
        return { value: undefined, done: true };
      });
      if (done) {
        if (recordBoundaryOk && this.decoder.atBoundary()) return undefined;
        if (this.opts.bodyEndsAtEof?.() && this.decoder.endWithoutStatus()) {
          this.opts.trace?.('< EOF after the whole body, without its status byte (libssh2): taken as \\0');
          return { kind: 'status', reply: { kind: 'ok' } };
        }
        throw await this.lostMidway();
      }
      this.decoder.push(value as Buffer);
    }
  }

  // A line the decoder cannot parse ends the session as OpenSSH's sink ends
  // it (scp.c `screwup:`): `\1scp: protocol error: <why>`, then exit 1; a
  // stray first line (a shell's "No match.") is echoed as `\1scp: <line>`.
  private nextDecoded(): SinkEvent | undefined {
    try {
      return this.decoder.next();
    } catch (err) {
      if (err instanceof ScpipeError && err.code === 'ERR_PROTOCOL') this.warn(err.message);
      else if (err instanceof ScpipeError && err.remoteMessage !== undefined) this.warn(err.remoteMessage);
      throw err;
    }
  }

  private async lostMidway(): Promise<ScpipeError> {
    const status = await waitForExit(this.channel.exit, this.opts.signal, 2000);
    const inData = this.decoder.state !== 'record'; // a body or its status byte
    return sinkLossError(status, inData, this.stderr.said(), this.channel.whyLost?.());
  }
}
