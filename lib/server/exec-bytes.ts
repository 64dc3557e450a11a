// The bytes of an exec request's command. ssh2 decodes it as UTF-8, so a
// Latin-1 name from `scp -O host:caf\xe9` would arrive as U+FFFD, another
// name. ssh2 reads the request in one synchronous call that emits `exec`;
// a wrapper around its CHANNEL_REQUEST handler keeps the raw bytes for that
// call, and the `exec` listener takes them (util/byte-text.ts form).
import { fromBytes } from '../util/byte-text';
import { SshFields } from '../util/ssh-fields';
import { ssh2 } from './ssh2';

const CHANNEL_REQUEST = 98;

/** An entry of ssh2's table of message handlers. */
export type Handler = (self: unknown, payload: Buffer) => unknown;

let installed = false;
let current: Buffer | undefined;

/** Wraps ssh2's handler once; serve calls it before it listens. */
export function keepExecBytes(): void {
  if (installed) return;
  ssh2();
  wrapChannelRequest(require('ssh2/lib/protocol/handlers.js') as Handler[]);
  installed = true;
}

/**
 * Wraps the CHANNEL_REQUEST entry of an ssh2 handler table. A table without
 * one (another ssh2) is left alone: commands are then read as ssh2 decodes them.
 */
export function wrapChannelRequest(handlers: Handler[]): void {
  const inner = handlers[CHANNEL_REQUEST];
  if (typeof inner !== 'function') return;
  handlers[CHANNEL_REQUEST] = (self, payload) => {
    current = execCommand(payload);
    try {
      return inner(self, payload);
    } finally {
      current = undefined;
    }
  };
}

/**
 * The command ssh2 gave as `decoded`, as text that keeps its bytes: the
 * kept bytes when they decode to it (the request being emitted), else `decoded`.
 */
export function execCommandText(decoded: string): string {
  return current !== undefined && current.toString('utf8') === decoded ? fromBytes(current) : decoded;
}

// byte 98, uint32 channel, string "exec", boolean want-reply, string command.
function execCommand(payload: Buffer): Buffer | undefined {
  const fields = new SshFields(payload, 5);
  if (fields.string()?.toString('latin1') !== 'exec' || !fields.skip(1)) return undefined;
  return fields.string();
}
