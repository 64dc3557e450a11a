// The options scp users already type, with scp's meaning (OpenSSH scp(1)):
// -c -C -4 -6 -B -J become the ssh_config keywords ssh itself sets for them,
// -l is a bandwidth limit shared by every connection and part of the run,
// -S runs another ssh program (the openssh transport), -T turns off the
// check of the names a download receives. -3 and -R are refused, saying why.
import type { Argv } from 'yargs';
import { ScpipeError, bandwidthLimit, escapeForTerminal, type BandwidthLimit, type ConnectOptions } from '../lib';
import { single } from './yargs-limits';

/** Parsed scp options. */
export interface ScpArgs {
  c?: string;
  C?: boolean;
  '4'?: boolean;
  '6'?: boolean;
  B?: boolean;
  l?: string;
  J?: string;
  S?: string;
  T?: boolean;
  '3'?: boolean;
  R?: boolean;
}

/** Adds scp's options to a command. */
export function withScpOptions<T>(y: Argv<T>): Argv<T & ScpArgs> {
  return y
    .option('c', { ...single, describe: 'cipher(s) to use, as -o Ciphers= (e.g. aes128-gcm@openssh.com)' })
    .option('C', { type: 'boolean', default: false, describe: 'compression (zlib): costs CPU; helps only on slow links with compressible data' })
    .option('4', { type: 'boolean', describe: 'IPv4 addresses only' })
    .option('6', { type: 'boolean', describe: 'IPv6 addresses only' })
    .option('B', { type: 'boolean', default: false, describe: 'batch mode: never ask for a passphrase or password' })
    .option('l', { ...single, describe: 'bandwidth limit in Kbit/s, as scp (shared by every channel and part of the run)' })
    .option('J', { ...single, describe: 'jump host(s) [user@]host[:port][,...], as -o ProxyJump=' })
    .option('S', { ...single, describe: 'ssh program to run (implies --transport openssh)' })
    .option('T', { type: 'boolean', default: false, describe: 'accept any file name the remote sends on download (scp -T: a hostile server can choose the names)' })
    .option('3', { type: 'boolean', default: false, hidden: true })
    .option('R', { type: 'boolean', default: false, hidden: true })
    .conflicts('4', '6')
    .check((argv) => {
      refuseRemoteToRemote(argv as ScpArgs);
      return true;
    }) as unknown as Argv<T & ScpArgs>;
}

// One limit per parsed command line: every connection of the run shares it.
const limits = new WeakMap<object, BandwidthLimit>();

/** Checks the scp options and applies them to `connect` (a new object). */
export function applyScpOptions(args: ScpArgs, connect: ConnectOptions): ConnectOptions {
  refuseRemoteToRemote(args);
  // Prepended: the first value of a keyword wins (ssh_config), as ssh lets its own flags win over -o.
  const options: string[] = [];
  if (args.c !== undefined) options.push(`Ciphers=${args.c}`);
  if (args.C) options.push('Compression=yes');
  if (args['4']) options.push('AddressFamily=inet');
  if (args['6']) options.push('AddressFamily=inet6');
  if (args.B) options.push('BatchMode=yes');
  if (args.J !== undefined) options.push(`ProxyJump=${args.J}`);
  const out: ConnectOptions = { ...connect, options: [...options, ...(connect.options ?? [])] };
  if (args.S !== undefined) {
    out.transport = 'openssh';
    out.sshPath = args.S;
  }
  if (args.B) delete out.prompt;
  if (args.l !== undefined) {
    if (out.transport === 'openssh') throw new ScpipeError('ERR_USAGE', '-l works with the built-in ssh2 transport only, not with --transport openssh or -S');
    let limit = limits.get(args);
    if (!limit) {
      limit = bandwidthLimit(parseLimit(args.l));
      limits.set(args, limit);
    }
    out.bandwidth = limit;
  }
  return out;
}

// scp's -3 and -R copy between two remote hosts (through here, or from the first).
function refuseRemoteToRemote(args: ScpArgs): void {
  if (args['3'] || args.R) {
    throw new ScpipeError('ERR_USAGE', `-${args['3'] ? '3' : 'R'}: copying between two remote hosts is not supported (scpipe moves bytes between this machine and one host); pipe instead: scpipe get a:f | scpipe put b:f`);
  }
}

/**
 * -l: Kbit/s, at least 1 as in scp (which takes an integer; fractions above 1
 * do no harm). Below 1 a 2 TB stream would take millennia: a typo, refused.
 */
export function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n >= 1)) throw new ScpipeError('ERR_USAGE', `bad -l "${escapeForTerminal(text)}": give a bandwidth in Kbit/s, at least 1, e.g. -l 8000`);
  return n;
}
