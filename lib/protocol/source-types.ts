// What the SCP roles take: the options both share, the source's own, and
// one file to send (source.ts).
import type { ScpipeError } from '../errors';
import type { Times } from './records';

/** Options shared by the SCP roles. */
export interface RoleOptions {
  signal?: AbortSignal;
  /** Protocol trace for `-v`: one escaped line per record and reply. */
  trace?: (line: string) => void;
  /** Each line of remote stderr, escaped, as it arrives. */
  onStderrLine?: (line: string) => void;
  /** Each item that failed, as it fails (the session goes on; e.g. `cp` prints it). */
  onProblem?: (error: ScpipeError) => void;
  /** The protocol the transfer goes over, once chosen (`auto` decides after connecting). */
  onProtocol?: (protocol: 'scp' | 'sftp') => void;
}

/** Options of the source role. */
export interface SourceOptions extends RoleOptions {
  /**
   * Asked when the sink ends its input where it should acknowledge a file's
   * data: true takes the file as received. libssh2's scp download (curl's
   * scp://) reads the data, then sends EOF, never that `\0`.
   */
  ackEndsAtEof?: () => boolean;
  /**
   * How long start() waits for the sink's first \0, and the command named
   * when it does not come: `scp -t` sends it as it starts, so a remote that
   * stays silent runs something else (a forced command that is not scp).
   * Past it the channel is ended and ERR_PROTOCOL_REFUSED thrown. No bound when absent.
   */
  firstReply?: { ms: number; command: string };
}

/** One regular file to send. */
export interface OutgoingFile {
  name: string;
  size: bigint;
  mode: number;
  times?: Times;
  body: AsyncIterable<Uint8Array>;
  /** `error` (default): a body longer than `size` fails; `ignore`: send the first `size` bytes. */
  excess?: 'error' | 'ignore';
  /** The remote path, for the message when the file is cut short (default: `name`). */
  remotePath?: string;
  /** How that message names the file when its path is not certain (cp over SCP); escaped there. */
  remoteShown?: string;
  onProgress?: (sent: bigint) => void;
  /** A body short by more than this is cut off, not padded with zeros (write-body.ts). */
  maxPad?: bigint;
  /** The local file the body is read from (cp), named when it shrinks while being sent. */
  localPath?: string;
}
