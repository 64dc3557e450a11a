// --protocol auto|scp|sftp and -O (scp, as OpenSSH's scp spells the legacy
// protocol), for put, get and cp.
import { PROTOCOLS, ScpipeError, type Protocol } from '../lib';

/** The parsed options. */
export interface ProtocolArgs {
  protocol?: Protocol;
  O?: boolean;
  'scp-path': string;
}

/** The yargs options. */
export const protocolOptions = {
  protocol: {
    choices: PROTOCOLS,
    describe: 'auto: SFTP where the server offers it (one pass, no spool), else SCP; or force one',
    requiresArg: true,
  },
  O: { type: 'boolean', describe: 'use the SCP protocol (as scp -O): the same as --protocol scp' },
} as const;

/**
 * The protocol the arguments ask for: auto unless told, and SCP when
 * --scp-path names a remote scp (it means nothing to SFTP).
 */
export function protocolOf(args: Partial<ProtocolArgs>): Protocol {
  if (args.O && args.protocol !== undefined && args.protocol !== 'scp') {
    throw new ScpipeError('ERR_USAGE', `-O means --protocol scp; it does not go with --protocol ${args.protocol}`);
  }
  if (args.O) return 'scp';
  if (args.protocol !== undefined) return args.protocol;
  return args['scp-path'] !== undefined && args['scp-path'] !== 'scp' ? 'scp' : 'auto';
}
