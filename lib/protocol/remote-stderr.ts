// Drains the remote command's stderr (it must always be read, or the channel
// window stalls: docs/protocol.md §1, §9), keeps its tail for error messages, and
// hands each complete line to an optional listener, already escaped. Lines
// may be held until the remote answers: a command refused before it ran (an
// rssh wrapper's words) is then said once, in the error that quotes it.
// Under -v nothing is held, and otherwise not past HOLD_MS: a remote (or
// ssh's debug output) that hangs before it answers must be seen while it hangs.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { escapeForTerminal, peerText } from '../util/escape';

const KEEP_BYTES = 8192;
// The opening kept for the first line a failure quotes: the tail may have lost it, and a line can be endless.
const HEAD_CHARS = 4096;
// Held past this, lines go out as they come: a remote that talks without end is not kept.
const MAX_HELD = 64;
// A refusal comes with the remote's exit, at once: lines held this long are from a remote that waits.
const HOLD_MS = 2000;

/** The remote's stderr as it arrives: escaped lines out, the tail kept. */
export class RemoteStderr {
  private tail = '';
  private head = '';
  private line = '';
  // SSH's packets may cut a character of several UTF-8 bytes in two: its bytes wait for the rest.
  private readonly utf8 = new StringDecoder('utf8');
  // Raw lines not yet handed on (release() ends the hold).
  private held: string[] | undefined;
  private holdTimer: NodeJS.Timeout | undefined;

  /** `hold`: keep the lines until release(). */
  constructor(stream: Readable, private readonly onLine?: (escapedLine: string) => void, hold = false) {
    if (hold && onLine) this.held = [];
    stream.on('data', (chunk: Buffer) => this.add(this.utf8.write(chunk)));
    stream.on('end', () => {
      this.add(this.utf8.end());
      this.flush();
    });
    stream.on('error', () => undefined); // the channel's own error path reports failures
  }

  /** The last few KiB of remote stderr, escaped, trimmed. */
  text(): string {
    return escapeForTerminal(this.tail.trim(), true);
  }

  /** What a failure quotes: the first line that is not blank, trimmed, cut to 400 characters and escaped ('' for none). */
  said(): { first: string; tail: string } {
    const first = this.head.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
    return { first: peerText(first), tail: this.text() };
  }

  /** The last line that is not blank (and is one `wanted`), trimmed, cut to 400 characters and escaped (undefined for none). */
  last(wanted?: (line: string) => boolean): string | undefined {
    const line = this.tail.split('\n').map((l) => l.trim()).filter((l) => l !== '' && (!wanted || wanted(l))).pop();
    return line === undefined ? undefined : peerText(line);
  }

  /**
   * Hands on the lines held, and any later ones as they come. With `failure`
   * (the remote went before it answered), the first line it quotes is left
   * out, with the blank lines around what is left: the failure's message says it.
   */
  release(failure?: unknown): void {
    const lines = this.held;
    this.held = undefined;
    clearTimeout(this.holdTimer);
    if (!lines) return;
    const first = lines.findIndex((l) => l.trim() !== '');
    const message = failure instanceof Error ? failure.message : undefined;
    const said = this.said().first;
    const quoted = first >= 0 && message !== undefined && said !== '' && message.includes(said);
    const rest = quoted ? lines.slice(first + 1) : lines;
    while (quoted && rest.length > 0 && rest[rest.length - 1]!.trim() === '') rest.pop();
    for (const l of rest) this.onLine?.(escapeForTerminal(l));
  }

  private emit(line: string): void {
    if (!this.held) return this.onLine?.(escapeForTerminal(line));
    this.held.push(line);
    this.holdTimer ??= setTimeout(() => this.release(), HOLD_MS).unref();
    if (this.held.length > MAX_HELD) this.release();
  }

  private add(text: string): void {
    // From the first text that is not blank: a remote that pads its stderr with blank lines keeps its first line quoted.
    if (this.head.length < HEAD_CHARS) this.head = (this.head + text).trimStart().slice(0, HEAD_CHARS);
    this.tail = (this.tail + text).slice(-KEEP_BYTES);
    const lines = (this.line + text).split('\n');
    this.line = lines.pop()!.slice(-KEEP_BYTES);
    for (const l of lines) this.emit(l);
  }

  private flush(): void {
    if (this.line !== '') this.emit(this.line);
    this.line = '';
  }
}
