// `put`: one stream to one remote file. Pass 1 (the spool) and the SSH set-up
// run at the same time, so a wrong password, a refused command or a missing
// directory fails in seconds, not after the stream ends; pass 2 replays the
// spool into the remote `scp -t` (scp-put.ts; DESIGN.md "Why two passes").
import { Readable } from 'node:stream';
import { asScpipeError } from '../errors';
import type { Target } from './connection';
import { oneRun } from './run-target';
import { Reconnector } from './reconnect';
import { tellOnce } from '../util/tell-once';
import { checkCounts } from './counts';
import { checkProtocol, scpRefusalHint, sftpOnlyAdvice } from './protocol-choice';
import { checkQuoteMode } from '../protocol/quote';
import { chooseProtocolAgain } from './protocol-choice-again';
import { putSftp } from './sftp-put';
import { remoteFileName } from './remote-name';
import type { PartsOptions } from './parts/options';
import { putParts } from './parts/put-parts';
import { sendOverChannel } from './scp-put';
import { spoolable, type PutInput, type PutOptions, type PutResult } from './put-types';
import { readBackScp, readBackSet } from './read-back';
import { scpStoredName } from './scp-stored-name';
import type { SharedSpoolSeat } from './shared-spool';

/**
 * Uploads `input` (a Readable, an async iterable of bytes, or a Buffer) to
 * `remotePath` through a remote `scp -t`. Spools only when the size is unknown.
 *
 *     await put({ host: 'vault', user: 'backup' }, 'db.dump.zst', stream, { signal });
 */
export async function put(target: Target, remotePath: string, given: PutInput, opts: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>> = {}): Promise<PutResult> {
  return putSeated(target, remotePath, given, opts);
}

// put() for one of putMany()'s targets, which over SCP replays the run's shared spool (`seat`) instead of spooling its own input.
export async function putSeated(target: Target, remotePath: string, given: PutInput, opts: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>>, seat?: SharedSpoolSeat): Promise<PutResult> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  try {
    return await putInput(target, remotePath, given, opts, seat);
  } catch (err) {
    // As a pipeline ends its streams: a producer writing into the input
    // (a child's stdout) gets EPIPE instead of blocking for ever on a stream no one reads.
    if (given instanceof Readable) given.destroy();
    throw err;
  }
}

async function putInput(target: Target, remotePath: string, given: PutInput, options: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>>, seat?: SharedSpoolSeat): Promise<PutResult> {
  const opts = { ...options, onCommitted: tellOnce(options.onCommitted) };
  checkCounts(opts);
  checkProtocol(opts.protocol);
  checkQuoteMode(opts.quote);
  const input = spoolable(given, opts);
  if (opts.partSize !== undefined) {
    const name = remoteFileName(remotePath);
    const onProgress = opts.onProgress;
    const parts = await putParts(target, remotePath, input, {
      ...opts,
      onCommitted: afterVerify(opts),
      partSize: opts.partSize,
      onProgress: onProgress && ((p) => onProgress({ name, phase: 'transfer', bytes: p.confirmed, parts: { produced: p.produced, inFlight: p.inFlight, sending: p.sending } })),
    });
    if (opts.verify) await readBackSet(target, parts, opts);
    committedAfterVerify(opts);
    return { bytes: parts.bytes, name, spooled: parts.onDisk ? 'disk' : 'memory', command: '', exit: { code: 0, signal: null }, parts, protocol: parts.protocol, sha256: parts.sha256 };
  }
  const conn = new Reconnector(target, opts.trace);
  try {
    const chosen = await chooseProtocolAgain(conn, opts);
    seat?.chose('session' in chosen ? 'sftp' : 'scp');
    if ('session' in chosen) {
      try {
        return await putSftp(conn, chosen, remotePath, input, opts);
      } finally {
        chosen.session.end(); // its channel: a caller's Client outlives this call
      }
    }
    const result = await sendOverChannel(conn.current().open, remotePath, input, { ...opts, onCommitted: afterVerify(opts) }, conn, seat);
    if (opts.verify) await readBackScp(conn, remotePath, result.name, result.bytes, result.sha256!, opts);
    committedAfterVerify(opts);
    const name = opts.name === undefined ? result.name : await scpStoredName(conn.current().open, remotePath, result.name, opts);
    return { ...result, name, protocolReason: chosen.reason };
  } catch (err) {
    throw asScpipeError(scpRefusalHint(err, opts.protocol, sftpOnlyAdvice(opts)));
  } finally {
    conn.close();
  }
}

// With verify the commit point is the read-back matched, not the upload's own (docs/library.md).
function afterVerify(opts: PutOptions): PutOptions['onCommitted'] {
  return opts.verify ? undefined : opts.onCommitted;
}

function committedAfterVerify(opts: PutOptions): void {
  if (opts.verify && !opts.signal?.aborted) opts.onCommitted?.();
}
