// put's remote path with a newline where SCP is asked for (-O): refused
// before the producer runs or a connection is tried (the library refuses it
// only once connected: after a password prompt, or as 255 with the host down).
import { checkScpRemotePath, isRemoteSpec, parseRemoteSpec } from '../lib';
import { protocolOf, type ProtocolArgs } from './protocol-option';

/** ERR_USAGE for a remote operand among `operands` whose path holds a newline, with -O. */
export function refuseNewlineOverScp(operands: readonly string[], args: Partial<ProtocolArgs>): void {
  if (protocolOf(args) !== 'scp') return;
  for (const operand of operands) {
    const spec = isRemoteSpec(operand) ? parseRemoteSpec(operand) : undefined;
    if (spec) checkScpRemotePath(spec.path);
  }
}
