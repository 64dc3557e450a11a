// A parts upload under auto whose remote path holds a newline: SCP cannot
// carry it (protocol/command.ts), so the parts go over SFTP where the host
// offers it; where it does not, SCP's refusal of the path stands (exit 2).
import { checkScpRemotePath } from '../../protocol/command';
import { chooseProtocol } from '../protocol-choice';
import type { Reconnector } from '../reconnect';
import type { PartsProtocol } from './send';

/** Turns `protocol` to SFTP for `remotePath` with a newline under auto; ERR_USAGE where SFTP does not open. */
export async function sftpForNewline(conn: Reconnector, protocol: PartsProtocol, remotePath: string, signal: AbortSignal, toSftp: (why: string) => void): Promise<void> {
  if (protocol.now !== 'scp' || !protocol.fallback || !remotePath.includes('\n')) return;
  const choice = await chooseProtocol(conn.current().opener, 'auto', signal);
  if (!('session' in choice)) return checkScpRemotePath(remotePath);
  choice.session.end();
  protocol.now = 'sftp';
  toSftp('the remote path holds a newline, which SCP cannot carry');
}
