// A message that names what a peer chose (a path, a file name) in the two
// forms it is said in: `wire`, unescaped, for the peer, which escapes what it
// prints itself (OpenSSH's scp and sftp through vis(3), scpipe through
// escape.ts), as OpenSSH's scp -t sends its run_err() text; and `shown`,
// escaped once, for a terminal or a log. Built once, from the raw name, so
// neither form is escaped twice or not at all (docs/protocol.md §5.3).
import { ScpipeError, type ScpipeErrorCode, type ScpipeErrorContext } from '../errors';
import { fromBytes } from './byte-text';
import { escapeBytes, escapeForTerminal } from './escape';

/** A message in its two forms; `String(said)` is the shown one. */
export class Said {
  private constructor(
    /** For the peer: names as they are. */
    readonly wire: string,
    /** For a terminal or a log: names escaped once. */
    readonly shown: string,
  ) {}

  /** Text that holds what a peer chose (a name, or a message around one), unescaped. */
  static raw(raw: string): Said {
    return new Said(raw, escapeForTerminal(raw));
  }

  /**
   * A name whose bytes are not UTF-8: shown as `\xNN`; on the wire as the
   * bytes themselves (util/byte-text.ts), as OpenSSH sends them.
   */
  static bytes(raw: Uint8Array): Said {
    return new Said(fromBytes(raw), escapeBytes(raw));
  }

  /** Text that names nothing a peer chose, or that its maker escaped: the same in both forms. */
  static plain(text: string): Said {
    return new Said(text, text);
  }

  /** Both forms changed alike (a host path hidden, a length bound). */
  map(change: (text: string) => string): Said {
    return new Said(change(this.wire), change(this.shown));
  }

  /** See said(). */
  static template(text: TemplateStringsArray, parts: Array<string | Said>): Said {
    let wire = text[0]!;
    let shown = text[0]!;
    parts.forEach((part, i) => {
      const p = typeof part === 'string' ? Said.raw(part) : part;
      wire += p.wire + text[i + 1]!;
      shown += p.shown + text[i + 1]!;
    });
    return new Said(wire, shown);
  }

  toString(): string {
    return this.shown;
  }
}

/**
 * A message from a template: its literal text is ours, each string put in
 * is a peer's text (Said.raw), each Said keeps its forms.
 */
export function said(text: TemplateStringsArray, ...parts: Array<string | Said>): Said {
  return Said.template(text, parts);
}

// The wire form of errors made by saidError(); others name nothing raw.
const WIRE = new WeakMap<Error, Said>();

/** A ScpipeError whose message is `message.shown`, remembering its wire form for saidOf(). */
export function saidError(code: ScpipeErrorCode, message: Said, context: ScpipeErrorContext = {}): ScpipeError {
  const err = new ScpipeError(code, message.shown, context);
  WIRE.set(err, message);
  return err;
}

/** What `err` says to a peer: its Said if saidError() made it, else its message in both forms. */
export function saidOf(err: unknown): Said {
  if (err instanceof Error) return WIRE.get(err) ?? Said.plain(err.message);
  return Said.plain(String(err));
}

/** A handler's message, a Said or a string of text already escaped (the public SinkHandler's older form). */
export function asSaid(message: string | Said): Said {
  return typeof message === 'string' ? Said.plain(message) : message;
}
