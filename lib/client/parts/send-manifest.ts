// The last step of a parts upload (put-parts.ts): the manifest of the
// confirmed parts, sent once every part is stored, and the run's result.
import { Readable } from 'node:stream';
import { remoteFileSize, remoteFileThere } from '../remote-file-there';
import { changedSince, conflictError, manifestStamp, type Stamp } from './concurrent-set';
import type { CutResult } from './cutter';
import { lazyList, manifestOf, manifestPieces, MANIFEST_VERSION, partsOf, type Manifest } from './manifest';
import { manifestName, partName } from './names';
import type { PartsOptions } from './options';
import type { PartLog } from './part-log';
import type { PartsResult } from './put-parts-types';
import { sendFile, type SendContext } from './send';

/** Where the set goes. */
export interface SetPlace {
  dir: string;
  name: string;
  partSize: number;
}

/**
 * Sends the manifest of the parts in `log`; `onSending` is told as it
 * starts, `onConfirmed` as scp -t confirms it whole. ERR_CONFLICT, after it is stored, when another run's manifest
 * appeared or changed since `earlier` (concurrent-set.ts).
 */
export async function sendManifest(ctx: SendContext, at: SetPlace, cut: CutResult, log: PartLog, earlier: Promise<Stamp | undefined>, opts: PartsOptions, onSending: () => void, onConfirmed?: () => void): Promise<Manifest> {
  const { dir, name } = at;
  const head: Omit<Manifest, 'parts'> = {
    version: MANIFEST_VERSION,
    name,
    size: cut.size,
    partSize: BigInt(at.partSize),
    sha256: cut.sha256,
    time: (opts.now?.() ?? new Date()).toISOString(),
  };
  const manifest = manifestOf(head, {
    count: log.length,
    at: (index) => {
      const r = log.at(index);
      return { name: r.name, size: r.size, sha256: r.sha256 };
    },
  });
  const before = await earlier;
  const now = before === undefined ? undefined : await manifestStamp(ctx.conn, ctx.protocol.now, manifestName(`${dir}${name}`), { ...opts, signal: ctx.signal });
  // Made as it goes out (twice: its size first), not held: a set of millions of parts has one of hundreds of MB.
  const pieces = (): Generator<Buffer> => manifestPieces(manifest, partsOf(manifest));
  let length = 0n;
  for (const piece of pieces()) length += BigInt(piece.length);
  onSending();
  await sendFile(ctx, dir, manifestName(name), length, () => Readable.from(pieces()), undefined, undefined, onConfirmed);
  // Still written: the other run's, older, is the likelier to list parts this one wrote over.
  if (before !== undefined && now !== undefined && changedSince(before, now)) throw conflictError(`${dir}${name}`, manifestName(`${dir}${name}`), before);
  return manifest;
}

/** The result of a set stored whole, with what is beside it (a plain file of its name, a stale part past its last). */
export async function storedSet(ctx: SendContext, at: SetPlace, cut: CutResult, log: PartLog, manifest: Manifest, opts: PartsOptions): Promise<PartsResult> {
  const { dir, name } = at;
  const protocol = ctx.protocol.now;
  // Both looked up at once, for warnings: nothing is removed (an scp-only
  // account cannot). An empty stale part (one stored over to free it) is no harm.
  const next = partName(name, log.length);
  const [shadowed, stale] = await Promise.all([
    remoteFileThere(ctx.conn, protocol, `${dir}${name}`, { ...opts, signal: ctx.signal }),
    remoteFileSize(ctx.conn, protocol, `${dir}${next}`, { ...opts, signal: ctx.signal }),
  ]);
  const staleAfter = stale !== undefined && stale > 0n ? next : undefined;
  const result = { dir, name, bytes: cut.size, sha256: cut.sha256, count: log.length, resends: log.resends, onDisk: log.onDisk, manifest, manifestName: manifestName(name), lanes: ctx.lanes.capacity, protocol, shadowed, staleAfter } as PartsResult;
  lazyList(result, 'parts', () => log.list());
  return result;
}
