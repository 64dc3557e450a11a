// The server side of an SFTP subsystem channel, in memory, for
// runSftpSession(): the test writes requests as the client would (only while
// the session reads: ssh2's window), and reads replies when it chooses
// (`stalled`: the client does not read).
import { Duplex } from 'node:stream';
import { PacketFramer } from '../../lib/server/sftp/framer';

/** An SFTP channel whose client is the test. */
export class FakeSftpChannel extends Duplex {
  stalled = false;
  readonly replies: Buffer[] = [];
  private readonly framer = new PacketFramer();
  private held: Array<() => void> = [];
  exitCode?: number;

  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.framer.push(chunk);
    for (let p = this.framer.next(); p; p = this.framer.next()) this.replies.push(Buffer.from(p));
    if (this.stalled) this.held.push(cb);
    else cb();
  }
  unstall(): void {
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const cb of held) cb();
  }
  exit(code: number): void {
    this.exitCode = code;
  }
  close(): void {
    this.destroy();
  }
  send(packet: Buffer): void {
    this.push(packet);
  }
}
