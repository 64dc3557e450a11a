// --no-clobber for a parts set: none of its names may be there already (the
// manifest, a plain file of the set's name, a first part of an earlier try).
// Over SCP a remote `scp -f` is asked (scp-exists.ts); where the host allows
// only SFTP, the run turns to SFTP and the names are looked up there.
import { ScpipeError, isScpipeError } from '../../errors';
import { escapeForTerminal } from '../../util/escape';
import { isConnectionLoss, type Reconnector } from '../reconnect';
import { withRetries, type RetryEvent, type RetryTally } from '../retry';
import { scpRefusalHint } from '../protocol-choice';
import { existsError, refuseAnyExisting } from '../scp-exists';
import { inSftpSession } from '../sftp-look';
import { absent, sftpPathOn } from '../sftp-paths';
import type { RemoteCommandOptions } from '../../protocol/command';
import type { PartsProtocol } from './send';
import { manifestName, partName } from './names';

/**
 * ERR_EXISTS when the set `dir`+`name` is there in any form: its manifest, a
 * plain file of its name, or a first part without either, which a try that
 * was stopped or failed left (a nightly job run again): that one says so, and
 * how to go on, since the manifest the user looks for is not there.
 */
export async function refuseExistingSet(conn: Reconnector, protocol: PartsProtocol, dir: string, name: string, opts: RemoteCommandOptions & { signal: AbortSignal }, onSftp: (why: string) => void): Promise<void> {
  const [manifest, first] = [manifestName(`${dir}${name}`), `${dir}${partName(name, 0)}`];
  try {
    await refuseExistingNames(conn, protocol, [manifest, `${dir}${name}`, first], opts, onSftp);
  } catch (err) {
    if (!isScpipeError(err, 'ERR_EXISTS') || err.path !== first) throw err;
    throw new ScpipeError(
      'ERR_EXISTS',
      `${err.message}: it is the first part of a set of this name without its manifest ${escapeForTerminal(manifest)}, whose upload did not finish ` +
        '(or is still running): give this run a name of its own, or run it without --no-clobber to store the set over those parts (an append-only server refuses that)',
      { path: first },
    );
  }
}

/**
 * Over SCP, just before the first part's header: its name looked up once
 * more, as a single file's is (scp-put.ts). Two runs started together both
 * passed the first look; the one whose first part went second stops here,
 * not after writing over the other's parts. A look lost with the connection
 * is made again over a new one (the retries): the other run may have begun meanwhile.
 */
export async function refuseFirstPartAgain(conn: Reconnector, dir: string, name: string, opts: LookAgainOptions): Promise<void> {
  const first = `${dir}${partName(name, 0)}`;
  try {
    await withRetries(
      async () => {
        const { open, generation } = conn.current();
        try {
          await refuseAnyExisting(open, [first], opts);
        } catch (err) {
          if (isConnectionLoss(err)) conn.renew(generation);
          throw err;
        }
      },
      {
        retries: conn.canReconnect ? opts.retries : 0,
        backoffMs: opts.backoffMs,
        isRetryable: isConnectionLoss,
        signal: opts.signal,
        onRetry: opts.onRetry && ((event) => opts.onRetry!({ ...event, file: partName(name, 0) })),
      },
      opts.tally,
    );
  } catch (err) {
    if (!isScpipeError(err, 'ERR_EXISTS')) throw err;
    throw new ScpipeError(
      'ERR_EXISTS',
      `${err.message}: another run began to store a set of this name after this one first looked, so this one stops before it writes over that one's parts; ` +
        'give each run a name of its own, or hold a lock around the job (flock -n)',
      { path: first },
    );
  }
}

/** What the look again needs of the run's options: its retries, told as the first part's and counted with them (`tally`). */
export interface LookAgainOptions extends RemoteCommandOptions {
  signal: AbortSignal;
  retries?: number;
  tally?: RetryTally;
  backoffMs?: readonly number[];
  onRetry?: (event: RetryEvent & { file: string }) => void;
}

/** ERR_EXISTS naming the first of `paths` that is there. */
async function refuseExistingNames(conn: Reconnector, protocol: PartsProtocol, paths: readonly string[], opts: RemoteCommandOptions & { signal: AbortSignal }, onSftp: (why: string) => void): Promise<void> {
  if (protocol.now === 'scp') {
    try {
      return await refuseAnyExisting(conn.current().open, paths, opts);
    } catch (err) {
      const refused = protocol.fallback ? scpRefusalHint(err, 'auto') : err;
      if (refused === err) throw err;
      protocol.now = 'sftp';
      onSftp((refused as Error).message);
    }
  }
  await inSftpSession(conn, opts.signal, async (session) => {
    for (const path of paths) {
      if ((await session.stat(await sftpPathOn(session, path)).catch(absent)) !== undefined) throw existsError(path);
    }
  });
}
