// ssh2, loaded once for the client and the server. At load ssh2 starts its
// WebAssembly poly1305 and waits for it only once a socket connects; where
// WebAssembly cannot reserve its address space (`ulimit -v` under about
// 10 GiB) the rejection came first and killed scpipe, dumping the module's
// source. Caught here: the connection then fails with cryptoFailure()'s words.
import { closeSync, openSync } from 'node:fs';
import { ScpipeError } from '../errors';
import { OPEN_FILE_LIMIT_HINT } from '../util/limits';

let loaded: typeof import('ssh2') | undefined;
let init: Promise<void> | undefined;
let initFailure: unknown;

/** ssh2's module, loading it on the first call. */
export function ssh2Module(): typeof import('ssh2') {
  if (loaded) return loaded;
  // The WebAssembly module binds its error printer to console.warn as it loads;
  // its failure is told once, by cryptoFailure(), not as two raw lines.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    loaded = require('ssh2') as typeof import('ssh2');
  } catch (err) {
    throw outOfDescriptors(err) ?? err;
  } finally {
    console.warn = warn;
  }
  init = (require('ssh2/lib/protocol/crypto.js') as { init?: Promise<void> }).init;
  init?.catch((err: unknown) => {
    initFailure = err;
  });
  return loaded;
}

/** Resolves once ssh2 can serve a connection (`serve` checks it before it listens); rejects with ERR_CONNECT. */
export async function ssh2Ready(): Promise<void> {
  ssh2Module();
  await init?.catch((err: unknown) => {
    throw describe(err, 'serve', 'raise the limit');
  });
}

/** ERR_CONNECT for `err` when it is ssh2's failed crypto start-up, else undefined. */
export function cryptoFailure(err: unknown, where: string): ScpipeError | undefined {
  if (initFailure === undefined || err !== initFailure) return undefined;
  return describe(err, where, 'raise the limit, or use --transport openssh');
}

function describe(err: unknown, where: string, fix: string): ScpipeError {
  const why = /Out of memory/i.test(String((err as Error)?.message)) ? 'WebAssembly could not reserve its memory (an address-space limit, `ulimit -v`, below about 10 GiB?)' : String((err as Error)?.message);
  return new ScpipeError('ERR_CONNECT', `${where}: ssh2 cannot start its ciphers: ${why}; ${fix}`, { cause: err });
}

// Node's require() says "Cannot find module 'asn1'" when it cannot open the
// file for want of a descriptor (`ulimit -n 24`): ask the system which it is.
function outOfDescriptors(err: unknown): ScpipeError | undefined {
  if ((err as { code?: unknown })?.code !== 'MODULE_NOT_FOUND') return undefined;
  try {
    closeSync(openSync('/dev/null', 'r'));
    return undefined;
  } catch (probe) {
    if ((probe as { code?: unknown }).code !== 'EMFILE') return undefined;
    return new ScpipeError('ERR_CONNECT', `cannot load ssh2: Too many open files (${OPEN_FILE_LIMIT_HINT})`, { cause: err });
  }
}

// Loading ssh2 is a noticeable part of a small transfer's start-up, even
// from the CLI's bundle (docs/performance.md §3). Loaded here rather than at
// start-up, once the TCP connect has gone out, the load overlaps the
// server's start-up for the new connection (OpenSSH's sshd forks and
// re-executes itself before it sends its banner), or the DNS lookup of a
// host name. Node sends a connect to an IP
// address on the next tick, after the pending promise callbacks, so the load
// waits one turn of the event loop (strace shows connect() before the load).
export async function loadSsh2(): Promise<typeof import('ssh2')> {
  await new Promise((resolve) => setImmediate(resolve));
  return ssh2Module();
}
