// Lets the library take either an open ssh2 Client (the caller owns it) or
// connection options (we connect, and close when done).
import { Client } from 'ssh2';
import type { ScpChannel } from '../protocol/channel';
import { connectSsh2, execChannel, type ConnectOptions, type Ssh2Connection } from '../transport/ssh2-transport';

/** An open ssh2 Client, or where to connect. */
export type Target = Client | ConnectOptions;

/** Opens channels on `target`; `close()` ends a connection we made ourselves. */
export class ChannelOpener {
  private conn: Ssh2Connection | undefined;

  constructor(private readonly target: Target, private readonly log?: (line: string) => void) {}

  /** Runs `command`, connecting first if needed. */
  readonly open = async (command: string, signal: AbortSignal): Promise<ScpChannel> => {
    if (this.target instanceof Client) return execChannel(this.target, command, this.log);
    this.conn ??= await connectSsh2({ log: this.log, ...this.target, signal });
    return this.conn.exec(command);
  };

  /** Closes the connection if we opened it. */
  close(): void {
    this.conn?.close();
  }
}
