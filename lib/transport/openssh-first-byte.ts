// The wait for a command's first byte over the openssh transport (`scp -t`
// sends its \0 at once, docs/protocol.md §4.1). ssh's login is not counted (a
// person may be typing a passphrase): only the time since ssh said it asked
// for the command (session-marker.ts), in which any scp answers at once. A
// forced command that is not scp (one that reads and never writes) would
// otherwise hold the run for good, as OpenSSH's scp waits.
import { abortError } from '../errors';
import { noFirstReply } from '../protocol/first-reply';
import type { OpenSshChannel } from './openssh-transport';

/** channel.ready(), bounded by `ms` from ssh's word that it asked for `command`; ERR_PROTOCOL_REFUSED past the bound, the channel then ended. */
export function firstByte(channel: OpenSshChannel, command: string, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    let bound: NodeJS.Timeout | undefined;
    let settled = false;
    const done = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(bound);
      if (err === undefined) resolve();
      else reject(err);
    };
    void channel.asked.then(() => {
      if (settled) return;
      bound = setTimeout(() => {
        channel.destroy();
        done(noFirstReply(command, ms, 'ssh started it'));
      }, ms);
    });
    channel.ready(signal).then(() => done(), done);
  });
}
