// When ssh is in the session: at LogLevel ERROR it says nothing of its login,
// so a subsystem that never speaks cannot be told from a slow login. OpenSSH
// 8.5+ can be made to log chosen lines whatever the level (LogVerbose): the
// one that sends the subsystem request (or, as a ControlMaster's client, the
// master's answer that the session is open) marks the moment. Those forced
// lines are ours, never shown; under -v ssh says the same lines itself.
import { spawnSync } from 'node:child_process';
import { Transform } from 'node:stream';
import { childEnv } from '../util/child-env';

/** The functions whose lines ssh is made to log (`-oLogVerbose=`): the request, and a mux client's answer. */
export const FORCED_LINES = 'clientloop.c:client_session2_setup():*,mux.c:mux_client_request_session():*';

// A forced line names its function first; a line of ssh's own -v does not.
const FORCED = /^debug\d: (clientloop\.c:client_session2_setup|mux\.c:mux_client_request_session)\(\)/;
// ssh's words as it asks for the subsystem or command, or as the master says the session is open.
const ASKED = /^debug1: .*(Sending (subsystem|command): |master session id: \d)/;

// ssh's log lines are short (a message of at most 1 KiB, the forced lines' tag before it).
const HELD_LINE_MAX = 4096;

const known = new Map<string, boolean>();

/** True when `program -V` says OpenSSH 8.5 or later (which knows LogVerbose); asked once per program. */
export function knowsLogVerbose(program: string): boolean {
  let answer = known.get(program);
  if (answer === undefined) {
    const run = spawnSync(program, ['-V'], { env: childEnv(), encoding: 'latin1', timeout: 5000 });
    const version = /OpenSSH_(\d+)\.(\d+)/.exec(`${run.stderr ?? ''}${run.stdout ?? ''}`);
    answer = version !== null && Number(version[1]) * 100 + Number(version[2]) >= 805;
    known.set(program, answer);
  }
  return answer;
}

/**
 * Passes ssh's stderr on without the forced lines, and calls `asked` (once)
 * when ssh says it asked for the session's subsystem or command. Bytes pass
 * as they come, except a line that may become a debug line, held to its end.
 * `own`: ssh's own lines before the request (a changed host key's warning)
 * are held, then handed to it at the request, not passed on with the
 * remote's; an ssh that never asked passes them on at its end (they are a failure's words).
 * `heard`: all that passes or is held, as it comes.
 */
export function sessionMarker(asked: () => void, own?: (line: string) => void, heard?: (text: string) => void): Transform {
  let line = ''; // the current line's start while it may be one of ssh's debug lines (held)
  let midLine = false; // part of the current line has passed: the rest passes as it comes
  let said = false;
  let before: string | undefined = own ? '' : undefined; // ssh's own words, until the request
  const handOver = (): string => {
    const lines = (before ?? '').split(/(?<=\n)/);
    before = undefined;
    const cut = lines[lines.length - 1]!.endsWith('\n') ? '' : lines.pop()!; // a line the request cut off passes on
    for (const l of lines) own!(l.replace(/\r?\n$/, ''));
    return cut;
  };
  const pass = (text: string): string => {
    if (text !== '') heard?.(text);
    if (before === undefined) return text;
    before += text;
    // Bounded: a user's own LogLevel DEBUG3 says much; it then passes on as it comes.
    if (before.length <= HOLD_MAX) return '';
    const all = before;
    before = undefined;
    return all;
  };
  const take = (whole: string): string => {
    const forced = FORCED.test(whole);
    if (!said && ASKED.test(whole)) {
      said = true;
      asked();
      const cut = before !== undefined ? handOver() : '';
      return cut + (forced ? '' : pass(whole));
    }
    return forced ? '' : pass(whole);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let out = '';
      for (const piece of chunk.toString('latin1').split(/(?<=\n)/)) {
        const ended = piece.endsWith('\n');
        if (midLine) {
          out += pass(piece);
          midLine = !ended;
          continue;
        }
        line += piece;
        if (ended) {
          out += take(line);
          line = '';
        } else if (line.length > HELD_LINE_MAX || !'debug'.startsWith(line.slice(0, 5))) {
          // Not a debug line, or longer than any of ssh's (a remote's endless line): no need to wait for its end.
          out += pass(line);
          line = '';
          midLine = true;
        }
      }
      callback(null, out !== '' ? Buffer.from(out, 'latin1') : undefined);
    },
    flush(callback) {
      const last = line !== '' ? take(line) : '';
      const out = before !== undefined ? before : last; // never asked: ssh's words pass on, for the failure
      before = undefined;
      callback(null, out !== '' ? Buffer.from(out, 'latin1') : undefined);
    },
  });
}
const HOLD_MAX = 64 * 1024;
