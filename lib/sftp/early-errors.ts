// ssh2 drops its own 'error' listener from an SFTP channel as it emits
// 'ready', and SessionLife adds its own some promise turns later. A protocol
// error in between (a bad packet in the same chunk as the limits reply) had
// no listener: thrown into ssh2's parser (a lost connection, retried) or, over
// ssh's stdout, out of the process, its ssh left running. Held here instead,
// for the session to take.
import type { EventEmitter } from 'node:events';

const held = new WeakMap<object, { first?: Error; hold: (err: Error) => void }>();

/** Keeps the first 'error' of `channel` from now until takeEarlyError(). */
export function holdEarlyErrors(channel: EventEmitter): void {
  if (held.has(channel)) return;
  const entry: { first?: Error; hold: (err: Error) => void } = { hold: (err) => void (entry.first ??= err) };
  held.set(channel, entry);
  channel.on('error', entry.hold);
}

/** The error held for `channel`, if any; from now on its errors are the caller's to listen for. */
export function takeEarlyError(channel: EventEmitter): Error | undefined {
  const entry = held.get(channel);
  if (!entry) return undefined;
  held.delete(channel);
  channel.off('error', entry.hold);
  return entry.first;
}
