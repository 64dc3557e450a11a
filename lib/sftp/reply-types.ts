// The type of each SFTP reply, checked against its request before ssh2
// reads it. ssh2 hands any reply to the request of its id, and what it hands
// over cannot tell a DATA from a HANDLE (an OPEN answered with file bytes got
// them as its handle; a READ answered with a HANDLE read it as data) nor an
// EXTENDED_REPLY from a STATUS OK (a rename, an fsync, taken as done).
// OpenSSH's sftp looks at the type of every reply; so does scpipe: each
// request made while one is expected() is marked (by ssh2's entry for it in
// `_requests`, which a read cut in several keeps), and the NameTap, which
// frames the replies before ssh2, tells each reply's type and id, and
// which NAME reply's entries run past its end.
import type { NameTap } from './name-bytes';
import { REPLY_TYPE, wrongType, type ReplyKind } from './reply-kinds';

interface Expected {
  what: string;
  path: string;
  kind: ReplyKind;
}

const STATUS = REPLY_TYPE.STATUS;
const KNOWN = new Set(Object.values(REPLY_TYPE)); // others: ssh2 ends the session itself ("Unknown packet type")

/** See the file comment. */
export class ReplyTypes {
  private readonly marked = new WeakMap<object, Expected>();
  private current: Expected | undefined;

  /** Nothing is checked where `tap` is missing or ssh2's internals differ. */
  constructor(raw: unknown, tap: NameTap | undefined, onViolation: (why: string) => void) {
    const internals = raw as { _requests?: Record<string, unknown> };
    const requests = internals._requests;
    if (tap === undefined || typeof requests !== 'object' || requests === null) return;
    internals._requests = new Proxy(requests, {
      set: (target, key, value: unknown) => {
        if (this.current && typeof value === 'object' && value !== null) this.marked.set(value, this.current);
        target[key as string] = value;
        return true;
      },
    });
    const expectedOf = (reqid: number): Expected | undefined => {
      const req = requests[reqid];
      return typeof req === 'object' && req !== null ? this.marked.get(req) : undefined;
    };
    tap.onReply = (type, reqid) => {
      const expected = expectedOf(reqid);
      if (expected === undefined || !KNOWN.has(type) || type === STATUS || type === REPLY_TYPE[expected.kind]) return;
      onViolation(wrongType(expected.what, expected.path, expected.kind, type));
    };
    // ssh2 says only "Malformed NAME packet", or hands over an entry with no name where one string was cut short.
    tap.onMalformed = (reqid) => {
      const expected = expectedOf(reqid);
      if (expected !== undefined) onViolation(`${expected.what} of "${expected.path}" answered with a malformed NAME (an entry past its end)`);
    };
  }

  /** Runs `send`; the requests it makes are to be answered by `kind` or a STATUS. */
  expecting(what: string, path: string, kind: ReplyKind, send: () => void): void {
    const outer = this.current;
    this.current = { what, path, kind };
    try {
      send();
    } finally {
      this.current = outer;
    }
  }
}
