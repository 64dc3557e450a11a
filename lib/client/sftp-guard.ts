// ssh2's Client makes the SFTP object of a channel inside itself, when the
// server confirms the channel, and hands it over only once the server's
// VERSION and its limits@openssh.com reply are read. The client's channel
// table (`_chanMgr.update()`) is where the object first shows, before the
// subsystem is even asked for, so no byte of it can have arrived: wrapped
// there, per client (ssh2's prototypes are shared with the library's users,
// so they are left alone), each SFTP object gets guardLimits() in time.
// Where ssh2's internals differ, nothing is wrapped and ssh2 goes unguarded.
import type { Client } from 'ssh2';
import { guardLimits } from '../sftp/request-limits';

type SftpClass = new (...args: never[]) => object;
type ChannelTable = { update?: (id: number, channel: unknown) => void };

const wrapped = new WeakSet<object>();

function sftpClass(): SftpClass | undefined {
  // Not in ssh2's typings, but a stable module of it since 1.0 (openssh-sftp.ts uses it too).
  const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as { SFTP?: SftpClass };
  return typeof SFTP === 'function' ? SFTP : undefined;
}

/** Has each SFTP channel `client` opens from now on guarded (guardLimits(), told `log`) before its first byte. */
export function guardSftpChannels(client: Client, log?: (line: string) => void): void {
  const table = (client as unknown as { _chanMgr?: ChannelTable })._chanMgr;
  const update = table?.update;
  const SFTP = sftpClass();
  if (!table || typeof update !== 'function' || !SFTP || wrapped.has(table)) return;
  wrapped.add(table);
  table.update = (id, channel) => {
    if (channel instanceof SFTP) guardLimits(channel, log);
    update.call(table, id, channel);
  };
}
