// One run's own target: what its first connection learnt (host keys, typed
// passwords) is kept for its reconnections and for no other run.
import type { Client } from 'ssh2';
import type { TypedSecrets } from '../transport/auth';
import type { ConnectOptions } from '../transport/connect-options';
import type { Target } from './connection';
import { checkConnectOptions } from './check-target';

// What a target's first connection learnt, for the openers a reconnection
// makes (reconnect.ts): host keys accepted with no known_hosts line to hold
// them (host-verifier.ts), and the password and key passphrases typed at its
// login (auth.ts AuthContext.typed).
export interface Learnt {
  hostKeys: Map<string, Buffer>;
  typed: TypedSecrets;
  /** A connection of this run got through its login: the next ones are reconnections. */
  connected: boolean;
}
const learnt = new WeakMap<ConnectOptions, Learnt>();
export function learntOf(target: ConnectOptions): Learnt {
  let kept = learnt.get(target);
  if (kept === undefined) learnt.set(target, (kept = { hostKeys: new Map(), typed: {}, connected: false }));
  return kept;
}

// What it learnt is a run's: each public call (put, get, getTo, upload, download)
// works on its own copy of the caller's options, so a program that reuses one
// object for many runs is not held to a key, or offered a password, from an
// earlier one (a server reinstalled meanwhile was refused as "changed").
const runs = new WeakSet<object>();

/** `target` as one run's own (a copy of connection options, checked; a Client as it is); one already a run's is kept. */
export function oneRun(target: Target): Target {
  if (target === null || typeof target !== 'object' || isClient(target) || runs.has(target)) return target;
  checkConnectOptions(target);
  const copy = { ...target };
  runs.add(copy);
  return copy;
}

// Tells a Client from options without loading ssh2 (`instanceof Client` would:
// the CLI loads it only once it is connecting, ssh2-transport.ts). Options are
// plain data; a Client has methods.
export function isClient(target: Target): target is Client {
  return typeof (target as Client).exec === 'function';
}
