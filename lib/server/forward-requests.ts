// Port forwarding (`ssh -L`, `ssh -R`) and the global requests ssh2 hands us
// are refused: serve runs only scp and SFTP. They were refused without a
// word, even with -v; now one escaped line each at -v, through the repeat
// limit (repeated-lines.ts): a client asking in a loop gets REPEATS_SAID
// lines of a kind a minute from its address, and one line with the rest.
import type { Connection } from 'ssh2';
import { peerText } from '../util/escape';

/** What refuseForwarding() needs of the server and the connection. */
export interface ForwardContext {
  verbose: boolean;
  /** "user@address:port" for the log. */
  who: string;
  /** Logs a line of `kind`, summed up past a few a minute from one address. */
  logRepeated: (kind: string, line: string) => void;
}

// An address or a socket path is the client's text: a host name is at most 255.
const MAX_NAME = 255;

/** Refuses every forwarding and global request on `client`, logging each at -v. */
export function refuseForwarding(client: Connection, ctx: ForwardContext): void {
  const say = (kind: string, what: string): void => {
    if (ctx.verbose) ctx.logRepeated(kind, `${ctx.who} refused ${what}`);
  };
  client.on('tcpip', (_accept, reject, info) => {
    reject?.();
    say('refused port forwarding', `port forwarding to ${peerText(info.destIP, MAX_NAME)} port ${info.destPort}`);
  });
  client.on('request', (_accept, reject, name, info) => {
    reject?.();
    if (name === 'tcpip-forward' && 'bindPort' in info) say('refused remote port forwarding', `remote port forwarding from ${peerText(info.bindAddr, MAX_NAME)} port ${info.bindPort}`);
    else say('refused a global request', `global request ${peerText(name, MAX_NAME)}`);
  });
}
