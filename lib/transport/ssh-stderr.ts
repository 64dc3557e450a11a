// ssh's stderr on its way to the role (openssh-transport.ts): held back
// until ssh has a session, and its \r\n line ends made plain.
import { Transform } from 'node:stream';
import { peerText } from '../util/escape';

// Holds what passes until release() (then passes all of it on) or drop().
// Bounded: past HOLD_MAX bytes (a LogLevel DEBUG run) it lets everything
// through rather than stall ssh on a full pipe.
export class HeldBack {
  private chunks: Buffer[] = [];
  private size = 0;
  private state: 'holding' | 'open' | 'dropped' = 'holding';
  private ended: (() => void) | undefined;
  readonly stream = new Transform({
    transform: (chunk: Buffer, _encoding, callback) => {
      if (this.state === 'open') return callback(null, chunk);
      if (this.state === 'holding') {
        this.chunks.push(chunk);
        this.size += chunk.length;
        if (this.size > HOLD_MAX) this.release();
      }
      callback();
    },
    flush: (callback) => {
      // ssh's stderr ends before its exit status is known: the end waits for that.
      if (this.state === 'holding') this.ended = callback;
      else callback();
    },
  });

  release(): void {
    if (this.state !== 'holding') return;
    this.state = 'open';
    for (const chunk of this.chunks.splice(0)) this.stream.push(chunk);
    this.ended?.();
  }

  drop(): void {
    if (this.state !== 'holding') return;
    this.state = 'dropped';
    this.chunks = [];
    this.ended?.();
  }
}
const HOLD_MAX = 64 * 1024;

/**
 * The lines ssh said of a run's connection (a changed host key's warning,
 * the server's Banner). Each SFTP channel is an ssh of its own and says them
 * again: the user sees them once, not once per channel.
 */
export class SaidBefore {
  private readonly lines = new Set<string>();

  /** A filter for one ssh's lines: false for a line another ssh said first; its own repeats (a warning's two borders) pass. */
  forProcess(): (line: string) => boolean {
    // Only its lines among the run's: an ssh that talks without end (a remote's stderr) keeps no more than SAID_MAX.
    const mine = new Set<string>();
    return (line) => {
      if (this.lines.has(line)) return mine.has(line);
      if (this.lines.size < SAID_MAX) {
        this.lines.add(line);
        mine.add(line);
      }
      return true;
    };
  }
}
const SAID_MAX = 1000; // lines; a run's ssh says a few each

// ssh ends its own messages with \r\n (for a terminal in raw mode); pass
// plain lines on, so they are not shown with an escaped \r. Bytes are kept
// as they are otherwise (latin1 maps each byte to one character and back).
export function crlfToLf(): Transform {
  let heldCR = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let text = (heldCR ? '\r' : '') + chunk.toString('latin1');
      heldCR = text.endsWith('\r');
      if (heldCR) text = text.slice(0, -1);
      callback(null, Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'));
    },
    flush(callback) {
      callback(null, heldCR ? Buffer.from('\r') : undefined);
    },
  });
}

/**
 * Passes ssh's stderr on as it comes, but holds its lines of a lost
 * connection (LOSS) until `lost` tells whether ssh ended so (exit 255): then
 * they are dropped, as the error quotes its reason (sshLossReason), which
 * would otherwise be said twice; else they pass on at the end.
 */
export function withoutLossLines(lost: Promise<boolean>): Transform {
  let line = ''; // the current line's text while it may be a loss line (held); '' once it passes
  let passing = false; // the current line cannot be a loss line: its text goes out as it comes
  const held: string[] = [];
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let out = '';
      for (const piece of chunk.toString('latin1').split(/(?<=\n)/)) {
        if (!passing) line += piece;
        else out += piece;
        const ended = piece.endsWith('\n');
        // Past HELD_LINE_MAX it is no line of ssh's: it passes, rather than hold a remote's endless line.
        if (!passing && (line.length > HELD_LINE_MAX || !mayBeLoss(line))) {
          out += line;
          line = '';
          passing = !ended;
        } else if (!passing && ended) {
          held.push(line); // a whole loss line
          line = '';
        } else if (ended) passing = false;
      }
      callback(null, out !== '' ? Buffer.from(out, 'latin1') : undefined);
    },
    flush(callback) {
      if (line !== '') held.push(line);
      void lost.then((dropped) => {
        const text = dropped ? '' : held.join('');
        callback(null, text !== '' ? Buffer.from(text, 'latin1') : undefined);
      });
    },
  });
}

// ssh's loss lines are short (a host name is at most 1,025 bytes with its port).
const HELD_LINE_MAX = 4096;

// True for a line, whole or its start so far, that is or may become one of LOSS.
function mayBeLoss(line: string): boolean {
  const text = line.trim();
  if (LOSS.test(text)) return true;
  if (line.endsWith('\n')) return false;
  return LOSS_STARTS.some((start) => start.startsWith(text) || (text.startsWith(start) && start === 'Connection '));
}

// ssh's words for a connection lost after login (packet.c's sshpkt_fatal,
// clientloop.c, ssh.c's keepalive): said at LogLevel INFO and above only.
const LOSS_PREFIXES = ['ssh_dispatch_run_fatal: ', 'client_loop: ', 'packet_write_wait: ', 'Bad packet length', 'Corrupted MAC', 'Timeout, server', 'Received disconnect from', 'Disconnected from'];
const LOSS = new RegExp(`^(${LOSS_PREFIXES.join('|')}|Connection (to \\S+ closed|closed by|reset by))`);
// What a line so far must begin with, or be the start of, to become one of LOSS.
const LOSS_STARTS = [...LOSS_PREFIXES, 'Connection '];

/**
 * Why ssh (exit 255 after login) lost its connection, from its stderr: its
 * last such line, escaped and cut as a peer's text; or, when it said none
 * (the default LogLevel ERROR hides them), how to make it say; `multiplexed`:
 * ssh may have been a ControlMaster's client, which no LogLevel makes say.
 */
export function sshLossReason(said: string, multiplexed = false): string {
  const lines = said.replace(/\r\n/g, '\n').split('\n').map((l) => l.trim());
  const line = lines.filter((l) => LOSS.test(l)).pop();
  if (line !== undefined) return `ssh: ${peerText(line)}`;
  const why = 'ssh ended (exit status 255) without saying why: at LogLevel ERROR it does not; -o LogLevel=INFO makes it say';
  // A master that died or lost its connection ends its clients without a word, at any LogLevel.
  return multiplexed ? `${why}, unless it was a client of a ControlMaster (ControlPath), which is never told: the master's own log has the reason` : why;
}
