// Drains the remote command's stderr (it must always be read, or the channel
// window stalls: docs/protocol.md §1, §9), keeps its tail for error messages, and
// hands each complete line to an optional listener, already escaped.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { escapeForTerminal } from '../util/escape';

const KEEP_BYTES = 8192;

/** The remote's stderr as it arrives: escaped lines out, the tail kept. */
export class RemoteStderr {
  private tail = '';
  private line = '';
  // SSH's packets may cut a character of several UTF-8 bytes in two: its bytes wait for the rest.
  private readonly utf8 = new StringDecoder('utf8');

  constructor(stream: Readable, private readonly onLine?: (escapedLine: string) => void) {
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

  private add(text: string): void {
    this.tail = (this.tail + text).slice(-KEEP_BYTES);
    const lines = (this.line + text).split('\n');
    this.line = lines.pop()!.slice(-KEEP_BYTES);
    for (const l of lines) this.onLine?.(escapeForTerminal(l));
  }

  private flush(): void {
    if (this.line !== '') this.onLine?.(escapeForTerminal(this.line));
    this.line = '';
  }
}
