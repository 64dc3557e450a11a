// ssh2, loaded when the server first needs it rather than when the library
// is loaded: a client (the CLI's put and get) loads the whole library and
// must not pay for ssh2 before its connect is under way (ssh2-transport.ts
// loadSsh2). Synchronous: ssh2's key parsing is called from sync code.
export function ssh2(): typeof import('ssh2') {
  return require('ssh2') as typeof import('ssh2');
}
