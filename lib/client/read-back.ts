// put --verify: once the remote holds the file, it is read back and its
// SHA-256 compared with the one taken as the bytes were sent. Over SFTP this
// happens to the temporary file before the rename (sftp-put.ts), so a copy
// that does not match never takes the target's name; over SCP the file is
// in place already, and a mismatch says it cannot be trusted. A parts set is
// read back as get reads it: each part against the manifest, then the whole.
import { ScpipeError, isScpipeError, throwIfAborted, withMessage, type ScpipeErrorContext } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { createHash } from 'node:crypto';
import type { OpenChannel, Target } from './connection';
import type { Download } from './get-types';
import { getOverChannel } from './scp-get';
import { isNotAFile } from './scp-exists';
import type { Progress } from './progress';
import { Reconnector, isConnectionLoss } from './reconnect';
import { DEFAULT_RETRIES, withRetries, type RetryEvent } from './retry';
import type { RemoteCommandOptions } from '../protocol/command';
import { readParts } from './parts/get-parts';
import { fetchManifest } from './parts/fetch-manifest';
import type { PartsResult } from './parts/put-parts-types';
import type { SpoolShort } from './parts/spool-room';

/** What a read-back needs of put's options. */
export interface ReadBackOptions extends RemoteCommandOptions {
  signal?: AbortSignal;
  trace?: (line: string) => void;
  retries?: number;
  backoffMs?: readonly number[];
  onRetry?: (event: RetryEvent) => void;
  onProgress?: (p: Progress) => void;
  parallel?: number;
  memoryLimit?: number;
  spoolDir?: string;
  /** The spool directory has room for fewer parts read back at once than `parallel`: told with `readBack` set. */
  onSpoolShort?: (short: SpoolShort) => void;
  /** Sets read back at once into the same spool directory (putMany's targets). */
  spoolSharedBy?: number;
}

/** The SHA-256 of `chunks`, told as `verify` progress of `name` (of `total` bytes); ERR_ABORTED once `signal` fires. */
export async function sumOf(chunks: AsyncIterable<Uint8Array>, name: string, total: bigint, onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<string> {
  const sum = createHash('sha256');
  let bytes = 0n;
  onProgress?.({ name, phase: 'verify', bytes, total });
  for await (const chunk of chunks) {
    throwIfAborted(signal);
    sum.update(chunk);
    bytes += BigInt(chunk.length);
    onProgress?.({ name, phase: 'verify', bytes, total });
  }
  return sum.digest('hex');
}

/** ERR_CHECKSUM for a read-back that differs; `after` says what it means for the file. */
export function readBackDiffers(path: string, read: string, sent: string, after: string): ScpipeError {
  return new ScpipeError('ERR_CHECKSUM', `${escapeForTerminal(path)}: read back, its SHA-256 is ${read}, not ${sent} as sent; ${after}`, { path, sha256: sent });
}

/**
 * Reads back the file an SCP put of `name` to `remotePath` wrote (inside
 * `remotePath` when that is a directory, as scp -t decided), again from its
 * start after a lost connection.
 */
export async function readBackScp(conn: Reconnector, remotePath: string, name: string, size: bigint, sent: string, opts: ReadBackOptions): Promise<void> {
  const started = performance.now();
  let path = remotePath;
  await withRetries(
    async () => {
      const { open, generation } = conn.current();
      try {
        const download = await openStored(open, remotePath, name, opts);
        path = download.path;
        const read = await sumOf(download.body, name, size, opts.onProgress);
        await download.done;
        if (read !== sent) throw readBackDiffers(path, read, sent, 'the remote file cannot be trusted: remove or overwrite it');
      } catch (err) {
        if (isConnectionLoss(err)) conn.renew(generation);
        throw err;
      }
    },
    { retries: conn.canReconnect ? opts.retries ?? DEFAULT_RETRIES : 0, backoffMs: opts.backoffMs, isRetryable: isConnectionLoss, signal: opts.signal, onRetry: opts.onRetry },
  ).catch((err: unknown) => {
    // Stored whole, its sum taken as it went: the caller can still write that sum down.
    throw notVerified(err, `${escapeForTerminal(path)} was stored, but reading it back to verify it failed`, { stored: true, sha256: sent, path });
  });
  opts.trace?.(`verify: read back ${escapeForTerminal(path)} in ${((performance.now() - started) / 1000).toFixed(2)} s: SHA-256 as sent`);
}

/** A read-back that failed for another reason than a difference: said as such (`what`: what is known), code and context kept. */
export function notVerified(err: unknown, what: string, stored: ScpipeErrorContext = {}): unknown {
  if (!isScpipeError(err) || err.code === 'ERR_CHECKSUM') return err;
  // A signal in the read-back: what is stored is said all the same.
  if (err.code === 'ERR_ABORTED') return withMessage(err, `${err.message}; ${what}`, { ...stored, cause: err });
  return withMessage(err, `${what}: ${err.message}`, { ...stored, cause: err });
}

// The stored file through `scp -f`: `remotePath`, or the file inside it when it is a directory.
async function openStored(open: OpenChannel, remotePath: string, name: string, opts: ReadBackOptions): Promise<Download & { path: string }> {
  const role = { signal: opts.signal, quote: opts.quote, scpPath: opts.scpPath, strictNames: false };
  if (remotePath.endsWith('/')) return { ...(await getOverChannel(open, `${remotePath}${name}`, role)), path: `${remotePath}${name}` };
  try {
    return { ...(await getOverChannel(open, remotePath, role)), path: remotePath };
  } catch (err) {
    if (!isNotAFile(err)) throw err;
    return { ...(await getOverChannel(open, `${remotePath}/${name}`, role)), path: `${remotePath}/${name}` };
  }
}

/** Reads back a parts set as get does (each part against the manifest, then the whole stream), and its manifest's sum against the one sent. */
export async function readBackSet(target: Target, parts: PartsResult, opts: ReadBackOptions): Promise<void> {
  const started = performance.now();
  const conn = new Reconnector(target, opts.trace);
  const shown = escapeForTerminal(parts.dir + parts.name);
  try {
    const onShort = opts.onSpoolShort;
    const role = { ...opts, protocol: parts.protocol, onProgress: undefined, onSpoolShort: onShort && ((short: SpoolShort) => onShort({ ...short, readBack: true })) }; // where the parts went
    const manifest = await fetchManifest(conn, parts.dir, parts.name, role);
    if (manifest.sha256 !== parts.sha256) throw readBackDiffers(`${parts.dir}${parts.manifestName}`, manifest.sha256, parts.sha256, `the parts set ${shown} cannot be trusted`);
    const { body, done } = readParts(conn, parts.dir, manifest, role);
    const read = await Promise.all([sumOf(body, parts.name, manifest.size, opts.onProgress), done]).catch((err: unknown) => {
      // A part that differs from its line: said as the read-back's finding.
      if (!isScpipeError(err, 'ERR_CHECKSUM')) throw err;
      throw withMessage(err, `${shown}: read back, ${err.message}; the parts set cannot be trusted`, { cause: err });
    });
    if (read[0] !== parts.sha256) throw readBackDiffers(parts.dir + parts.name, read[0], parts.sha256, `the parts of ${shown} do not add up to the stream sent`);
  } catch (err) {
    throw notVerified(err, `the parts set ${shown} was stored, but reading it back to verify it failed`);
  } finally {
    conn.close();
  }
  opts.trace?.(`verify: read back ${shown} (${parts.count} part(s)) in ${((performance.now() - started) / 1000).toFixed(2)} s: every part and the whole stream as sent`);
}
