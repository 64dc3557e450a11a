// ssh2, loaded when the server first needs it rather than when the library
// is loaded: a client (the CLI's put and get) loads the whole library and
// must not pay for ssh2 before its connect is under way (ssh2-transport.ts
// loadSsh2). Synchronous: ssh2's key parsing is called from sync code.
import { ssh2Module } from '../transport/ssh2-load';

export function ssh2(): typeof import('ssh2') {
  return ssh2Module();
}
