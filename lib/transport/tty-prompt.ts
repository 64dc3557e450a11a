// Asks the user a question on the controlling terminal (/dev/tty), the way
// ssh's read_passphrase() does. stdin is the data being uploaded, so it is
// never read here. Without a controlling terminal the answer is null.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { ScpipeError } from '../errors';
import { askpassProgram, runAskpass } from './askpass';
import { statFields } from '../util/proc-stat';

/** Line-editing state carried between chunks of terminal input. */
export interface LineState {
  value: string;
  /** Inside an escape sequence (arrow keys etc.), which is ignored. */
  inEscape: boolean;
}

/** What feeding a chunk produced: text to write back, and whether input ended. */
export interface LineFeed {
  output: string;
  done?: 'enter' | 'interrupt' | 'eof';
}

// Applies raw-mode terminal input to `state` (exported for tests): Enter ends
// the line, Backspace/DEL erases, Ctrl-U clears, Ctrl-C interrupts, Ctrl-D on
// an empty line is EOF; other control characters and escape sequences are
// dropped. Echoes typed characters only when `echo`.
export function feedLine(state: LineState, chunk: string, echo: boolean): LineFeed {
  let output = '';
  for (const ch of chunk) {
    if (state.inEscape) {
      // CSI sequences end with a byte in @..~; a lone ESC+char ends at once.
      if (!(ch === '[' || ch === 'O' || /[0-9;?]/.test(ch))) state.inEscape = false;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (ch === '\r' || ch === '\n') return { output, done: 'enter' };
    if (ch === '\x03') return { output, done: 'interrupt' };
    if (ch === '\x04') {
      if (state.value === '') return { output, done: 'eof' };
    } else if (ch === '\x7f' || ch === '\b') {
      if (state.value !== '') {
        state.value = [...state.value].slice(0, -1).join('');
        if (echo) output += '\b \b';
      }
    } else if (ch === '\x15') {
      if (echo) output += '\b \b'.repeat([...state.value].length);
      state.value = '';
    } else if (ch === '\x1b') {
      state.inEscape = true;
    } else if (cp >= 0x20 && cp !== 0x7f) {
      state.value += ch;
      if (echo) output += ch;
    }
  }
  return { output };
}

/**
 * True when this process has a controlling terminal whose foreground is
 * another process group (`timeout` without --foreground, a `&` job). Linux
 * only (/proc); elsewhere false.
 */
export function inTerminalBackground(stat = '/proc/self/stat'): boolean {
  let text: string;
  try {
    text = fs.readFileSync(stat, 'latin1');
  } catch {
    return false;
  }
  const f = statFields(text);
  const pgrp = Number(f[2]);
  const tpgid = Number(f[5]);
  return tpgid > 0 && pgrp > 0 && tpgid !== pgrp;
}

// One question at a time: a put to several targets connects to each at
// once, and two questions on the screen with two readers of /dev/tty split
// what is typed between them. After a Ctrl-C the ones still queued are not asked.
let turn: Promise<unknown> = Promise.resolve();
let interrupted = false;
let asking = false;

/** True while a question waits for its answer on the terminal: the progress line must not draw over it. */
export function isAskingOnTty(): boolean {
  return asking;
}

// Ends the open question, if any, as Ctrl-C would (without raising SIGINT).
let cancelOpen: ((name: string) => void) | undefined;

/**
 * A signal came while a question is open (SIGTERM, SIGHUP): the question
 * ends on its own line and the terminal leaves raw mode, so the message
 * that follows is not written after the question. Queued ones are not asked.
 */
export function cancelQuestionOnTty(name: string): void {
  interrupted = true;
  cancelOpen?.(name);
}

// Writes `question` to /dev/tty and reads one line from it, without echo when
// `echo` is false. Resolves null when there is no controlling terminal, when
// this process is in its background (`onBackground` is called then), or on
// Ctrl-D; rejects with ERR_ABORTED on Ctrl-C, and raises SIGINT. Where ssh
// would run SSH_ASKPASS instead (no terminal and a display, or
// SSH_ASKPASS_REQUIRE), that program answers (askpass.ts).
export function promptOnTty(question: string, echo: boolean, onBackground?: () => void, warn?: (line: string) => void): Promise<string | null> {
  const ask = (): Promise<string | null> => {
    const program = askpassProgram(haveTty());
    return program === undefined ? askOnTty(question, echo, onBackground) : runAskpass(program, question, warn ?? (() => undefined));
  };
  const mine = turn.then(() => (interrupted ? Promise.reject(interruptError()) : ask()));
  turn = mine.catch(() => undefined);
  return mine;
}

/**
 * Whether promptOnTty could reach anyone: a controlling terminal, or an
 * SSH_ASKPASS program ssh would run. A cron job has neither: its connections
 * are then bounded as under BatchMode (handshake-bounds.ts), not left to hang.
 */
export function canAskUser(): boolean {
  const tty = haveTty();
  return tty || askpassProgram(tty) !== undefined;
}

function haveTty(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

function interruptError(): ScpipeError {
  return new ScpipeError('ERR_ABORTED', 'interrupted by SIGINT', { signal: 'SIGINT' });
}

function askOnTty(question: string, echo: boolean, onBackground?: () => void): Promise<string | null> {
  let rfd: number;
  let wfd: number;
  try {
    rfd = fs.openSync('/dev/tty', 'r');
  } catch {
    return Promise.resolve(null);
  }
  // Raw mode from the background stops the process (SIGTTOU), and a SIGTERM
  // caught meanwhile only restarts that stop: `timeout 60 scpipe …` never ended.
  if (inTerminalBackground()) {
    fs.closeSync(rfd);
    onBackground?.();
    return Promise.resolve(null);
  }
  try {
    wfd = fs.openSync('/dev/tty', 'w');
  } catch {
    fs.closeSync(rfd);
    return Promise.resolve(null);
  }
  let input: tty.ReadStream;
  try {
    input = new tty.ReadStream(rfd);
  } catch {
    fs.closeSync(rfd);
    fs.closeSync(wfd);
    return Promise.resolve(null);
  }
  const write = (text: string): void => {
    try {
      fs.writeSync(wfd, text);
    } catch {
      /* terminal gone: nothing useful to do */
    }
  };

  return new Promise<string | null>((resolve, reject) => {
    const state: LineState = { value: '', inEscape: false };
    // If the process exits mid-prompt, do not leave the terminal in raw mode.
    const restore = (): void => {
      try {
        input.setRawMode(false);
      } catch {
        /* already closed */
      }
    };
    const finish = (result: string | null | ScpipeError): void => {
      asking = false;
      cancelOpen = undefined;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      process.off('exit', restore);
      restore();
      input.on('error', () => undefined); // late errors while closing are of no interest
      input.destroy(); // closes rfd
      write('\r\n');
      fs.closeSync(wfd);
      if (result instanceof ScpipeError) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string): void => {
      const fed = feedLine(state, chunk, echo);
      if (fed.output) write(fed.output);
      if (fed.done === 'enter') finish(state.value);
      else if (fed.done === 'eof') finish(null);
      else if (fed.done === 'interrupt') {
        interrupted = true;
        finish(interruptError());
        // Raw mode swallowed the terminal's SIGINT: raise it, as ssh's
        // readpassphrase() does, so the CLI's handler stops the whole run
        // (every target of a put to several), not only the connection that
        // asked. Without a handler it would kill us before the rejection is seen.
        if (process.listenerCount('SIGINT') > 0) process.kill(process.pid, 'SIGINT');
      }
    };
    const onEnd = (): void => finish(null);
    process.once('exit', restore);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onEnd);
    asking = true;
    cancelOpen = (name) => finish(new ScpipeError('ERR_ABORTED', `interrupted by ${name}`, { signal: name }));
    write(question);
  });
}
