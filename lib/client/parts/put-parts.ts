// put() with `partSize`: the stream cut into parts, each spooled and sent as
// its own file while the next is taken, up to `parallel` at once over
// channels of one connection, then the manifest, last (DESIGN.md "Beyond two
// passes"). Its pieces: the shared context (parts-context.ts), the earlier
// set (earlier-set.ts), the parts on their way (part-uploads.ts), and the
// error of a run that failed (parts-failure.ts).
import { ScpipeError, throwIfAborted } from '../../errors';
import { spoolDirectory } from '../../spool/options';
import type { Target } from '../connection';
import type { PutInput } from '../put-types';
import { Reconnector } from '../reconnect';
import { remoteFileName } from '../remote-name';
import { Readable } from 'node:stream';
import { cutParts } from './cutter';
import { lazyList, manifestOf, manifestPieces, MANIFEST_VERSION, MAX_PARTS, partsOf, type Manifest } from './manifest';
import type { PartsResult } from './put-parts-types';
import { ManifestRoom } from './manifest-room';
import { partsFailure } from './parts-failure';
import { manifestName, partName, splitRemote } from './names';
import { MemoryBudget } from './part-writer';
import { PartUploads } from './part-uploads';
import { sendFile } from './send';
import { partsContext } from './parts-context';
import { lookEarlierSet } from './earlier-set';
import { remoteFileSize, remoteFileThere } from '../remote-file-there';
import { checkPartsOptions, type PartsOptions } from './options';
import { linkedController } from '../../util/abort';
import { changedSince, conflictError, manifestStamp, type Stamp } from './concurrent-set';
import { fitSpool } from './spool-room';

/** Sends `input` as a parts set; see the file comment. */
export async function putParts(target: Target, remotePath: string, input: PutInput, opts: PartsOptions): Promise<PartsResult> {
  throwIfAborted(opts.signal);
  const { partSize, parallel: asked } = checkPartsOptions(opts);
  const { dir } = splitRemote(remotePath);
  const name = remoteFileName(remotePath);
  if (!(input instanceof Readable || input instanceof Uint8Array || Symbol.asyncIterator in input)) {
    throw new ScpipeError('ERR_USAGE', 'parts take a Readable or an async iterable, not a file descriptor');
  }
  const memoryLimit = opts.memoryLimit ?? 64 * 1024 * 1024;
  const spoolDir = spoolDirectory(opts.spoolDir);
  // Before connecting: a spool too small for even one part at a time fails here.
  const size = input instanceof Uint8Array ? input.length : opts.inputSize === undefined ? undefined : Number(opts.inputSize);
  const parallel = fitSpool({ dir: spoolDir, partSize, parallel: asked, memoryLimit, size, sharedBy: opts.spoolSharedBy }, opts.onSpoolShort);
  const stream = input instanceof Uint8Array ? Readable.from([input]) : input;
  const { controller: inner, unlink } = linkedController(opts.signal);
  const conn = new Reconnector(target, opts.trace);
  const { ctx, protocol, toSftp, retried } = partsContext(opts, conn, name, parallel, inner.signal);
  let replacing = Promise.resolve(false); // an earlier set's manifest is there
  // The manifest as it was before the first part went (concurrent-set.ts); undefined: not known.
  let earlier: Promise<Stamp | undefined> = Promise.resolve(undefined);
  const room = new ManifestRoom(BigInt(partSize), opts.maxParts ?? MAX_PARTS, name);
  let failure: unknown;
  let checked = false; // --no-clobber's look for the set's names is done: an ERR_EXISTS after it comes from a part
  let sendingManifest = false; // its failure may still leave it stored (ScpipeError.stored)
  let setSum: string | undefined; // the stream's SHA-256, once cut: a set stored after all has it
  const fail = (err: unknown): void => {
    failure ??= err;
    inner.abort(err);
  };
  const uploads = new PartUploads(ctx, dir, name, { partSize, parallel }, opts, fail);
  const { log, cutShort } = uploads;

  try {
    // Connect now: a refused login fails in seconds, not after the first part.
    // Stopped by the caller's signal, not the run's: the earlier set's lookup
    // below needs the connection also after a producer that failed at once.
    const connecting = conn.current().opener.connect(opts.signal ?? new AbortController().signal);
    connecting.catch(fail);
    const set = await lookEarlierSet(conn, protocol, { dir, name }, opts, { signal: inner.signal, toSftp, fail });
    ({ stamp: earlier, replacing, checked } = set);
    uploads.earlier = earlier;
    const cut = await cutParts(stream, {
      partSize,
      budget: new MemoryBudget(memoryLimit),
      spoolDir,
      signal: inner.signal,
      beforePart: async () => {
        const full = room.take();
        if (full) {
          // The parts cut so far are whole: stored whole, not cut short.
          await uploads.settled();
          throw full;
        }
        await uploads.acquire();
      },
      onPart: (part) => uploads.start(part),
      onSpill: opts.onSpill,
      onProgress: (bytes) => uploads.produced(bytes),
    }).catch((err: unknown) => {
      fail(err);
      throw err;
    });
    await uploads.all();
    if (failure !== undefined) throw failure;
    const head: Omit<Manifest, 'parts'> = {
      version: MANIFEST_VERSION,
      name,
      size: cut.size,
      partSize: BigInt(partSize),
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
    setSum = cut.sha256;
    const before = await earlier;
    const now = before === undefined ? undefined : await manifestStamp(conn, protocol.now, manifestName(`${dir}${name}`), { ...opts, signal: inner.signal });
    // Made as it goes out (twice: its size first), not held: a set of millions of parts has one of hundreds of MB.
    const pieces = (): Generator<Buffer> => manifestPieces(manifest, partsOf(manifest));
    let length = 0n;
    for (const piece of pieces()) length += BigInt(piece.length);
    sendingManifest = true;
    await sendFile(ctx, dir, manifestName(name), length, () => Readable.from(pieces()));
    // Still written: the other run's, older, is the likelier to list parts this one wrote over.
    if (before !== undefined && now !== undefined && changedSince(before, now)) throw conflictError(`${dir}${name}`, manifestName(`${dir}${name}`), before);
    // The manifest is stored, and sendFile resolved: its commit point came before any abort.
    opts.onCommitted?.();
    // Both looked up at once, for warnings: nothing is removed (an scp-only
    // account cannot). An empty stale part (one stored over to free it) is no harm.
    const next = partName(name, log.length);
    const [shadowed, stale] = await Promise.all([
      remoteFileThere(conn, protocol.now, `${dir}${name}`, { ...opts, signal: inner.signal }),
      remoteFileSize(conn, protocol.now, `${dir}${next}`, { ...opts, signal: inner.signal }),
    ]);
    const staleAfter = stale !== undefined && stale > 0n ? next : undefined;
    const result = { dir, name, bytes: cut.size, sha256: cut.sha256, count: log.length, resends: log.resends, onDisk: log.onDisk, manifest, manifestName: manifestName(name), lanes: ctx.lanes.capacity, protocol: protocol.now, shadowed, staleAfter } as PartsResult;
    lazyList(result, 'parts', () => log.list());
    return result;
  } catch (err) {
    fail(err);
    await uploads.settled();
    throw await partsFailure({ dir, name, err, failure, log, cutShort, replacing, checked, sendingManifest, setSum, retried: retried() }, opts);
  } finally {
    unlink();
    conn.close();
  }
}
