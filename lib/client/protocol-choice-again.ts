// The protocol choice of a transfer that can reconnect: a connection lost
// while the sftp subsystem opens (its channel, the request, the SFTP
// version) is no refusal, so it is made again within --retries and SFTP is
// asked for again; under auto only a refusal on a live connection means SCP.
// Nothing of the input is read before the choice, so a pipe loses nothing.
import type { ScpipeError } from '../errors';
import type { ChannelOpener } from './connection';
import { chooseProtocol, type Choice, type Protocol } from './protocol-choice';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { reconnect, type ResumeOptions } from './sftp-resume';

/** What the choice is told: the protocol asked for, and the retries' options. */
export interface ChoiceOptions extends ResumeOptions {
  protocol?: Protocol;
  onProtocol?: (p: 'scp' | 'sftp') => void;
}

/** chooseProtocol() on `conn`'s connection, connecting again after a loss (conn.current() is then the new one). */
export async function chooseProtocolAgain(conn: Reconnector, opts: ChoiceOptions): Promise<Choice> {
  const choose = (opener: ChannelOpener): Promise<Choice> => chooseProtocol(opener, opts.protocol ?? 'auto', opts.signal, opts.trace, opts.onProtocol);
  const { opener } = conn.current();
  try {
    return await choose(opener);
  } catch (err) {
    // A host never reached is a failed connect, final (exit 255).
    if (!isConnectionLoss(err) || !opener.reached) throw err;
    return reconnect(conn, err as ScpipeError, opts, choose);
  }
}
