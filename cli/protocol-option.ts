// --protocol auto|scp|sftp, -O (SCP) and -s (SFTP), as OpenSSH's scp
// spells them, for put, get and cp.
import { PROTOCOLS, ScpipeError, type Protocol, type QuoteMode } from '../lib';

/** The parsed options. */
export interface ProtocolArgs {
  protocol?: Protocol;
  O?: boolean;
  s?: boolean;
  'scp-path': string;
  quote: QuoteMode;
}

/** The yargs options. */
export const protocolOptions = {
  protocol: {
    choices: PROTOCOLS,
    describe: 'auto: SFTP where the server offers it (one pass, no spool), else SCP; or force one',
    requiresArg: true,
  },
  O: { type: 'boolean', describe: 'use the SCP protocol (as scp -O): the same as --protocol scp' },
  s: { type: 'boolean', describe: 'use the SFTP protocol (as scp -s): the same as --protocol sftp' },
} as const;

/**
 * The protocol the arguments ask for: auto unless told, and SCP when
 * --scp-path names a remote scp or --quote asks for other quoting for the
 * remote shell (`none`: a remote glob): they mean nothing to SFTP.
 */
export function protocolOf(args: Partial<ProtocolArgs>): Protocol {
  if (args.O && args.s) throw new ScpipeError('ERR_USAGE', '-O (SCP) and -s (SFTP) exclude each other');
  const shellQuoting = args.quote !== undefined && args.quote !== 'posix';
  if (shellQuoting && (args.s || args.protocol === 'sftp')) {
    throw new ScpipeError('ERR_USAGE', `--quote ${args.quote} is for the remote shell of SCP; SFTP paths are literal: drop one of them`);
  }
  for (const [flag, means] of [['O', 'scp'], ['s', 'sftp']] as const) {
    if (args[flag] && args.protocol !== undefined && args.protocol !== means) {
      throw new ScpipeError('ERR_USAGE', `-${flag} means --protocol ${means}; it does not go with --protocol ${args.protocol}`);
    }
    if (args[flag]) return means;
  }
  if (args.protocol !== undefined) return args.protocol;
  return (args['scp-path'] !== undefined && args['scp-path'] !== 'scp') || shellQuoting ? 'scp' : 'auto';
}
