// The adapter from an ssh2 server exec channel to the roles' ScpChannel.
import { Duplex, PassThrough } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import { serveChannel } from '../../../lib/server/server-channel';

// An exec channel that records writes, and the exit status with the output sent before it.
class FakeExecChannel extends Duplex {
  readonly stderr = new PassThrough();
  readonly events: string[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.events.push(chunk.toString());
    done();
  }
  exit(code: number): void {
    this.events.push(`exit ${code}`);
  }
  close(): void {
    this.destroy();
  }
}

describe('serveChannel', () => {
  it('sends the role\'s output, then the exit status, then ends the channel', async () => {
    const stream = new FakeExecChannel();
    const served = serveChannel(stream as unknown as ServerChannel);
    served.channel.stdin.write('\0');
    served.channel.stdin.end('C0644 0 f\n');
    await served.close(1);
    expect(stream.events).toEqual(['\0', 'C0644 0 f\n', 'exit 1']);
    expect(stream.writableEnded).toBe(true);
  });

  it('puts no listener of its own on each chunk of output: the pipe is the only reader', () => {
    const served = serveChannel(new FakeExecChannel() as unknown as ServerChannel);
    expect(served.channel.stdin.listenerCount('data')).toBe(1);
    expect(Object.keys(served)).toEqual(['channel', 'close', 'clientEof', 'clientEnded']);
  });
});
