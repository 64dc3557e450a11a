// put() with `partSize`: the stream cut into parts, each spooled and sent as
// its own file while the next is taken, up to `parallel` at once over
// channels of one connection, then the manifest, last (DESIGN.md "Beyond two
// passes"). Its pieces: the shared context (parts-context.ts), the earlier
// set (earlier-set.ts), the parts on their way (part-uploads.ts), the
// manifest and the result (send-manifest.ts), and the error of a run that
// failed (parts-failure.ts).
import { throwIfAborted } from '../../errors';
import { spoolDirectory } from '../../spool/options';
import type { Target } from '../connection';
import type { PutInput } from '../put-types';
import { Reconnector } from '../reconnect';
import { remoteFileName } from '../remote-name';
import { Readable } from 'node:stream';
import { cutParts } from './cutter';
import { MAX_PARTS } from './manifest';
import type { PartsResult } from './put-parts-types';
import { ManifestRoom } from './manifest-room';
import { partsFailure } from './parts-failure';
import { splitRemote } from './names';
import { MemoryBudget } from './part-writer';
import { PartUploads } from './part-uploads';
import { sendManifest, storedSet } from './send-manifest';
import { partsContext } from './parts-context';
import { lookEarlierSet } from './earlier-set';
import { sftpForNewline } from './newline-sftp';
import { checkPartsOptions, type PartsOptions } from './options';
import { linkedController } from '../../util/abort';
import type { Stamp } from './concurrent-set';
import { fitSpool } from './spool-room';
import { descriptorParts } from './lent-input';

// Blocks kept idle beyond --memory: those of the spool file's writes in flight.
const LENT_SLACK = 4 * 1024 * 1024;

/** Sends `input` as a parts set; see the file comment. */
export async function putParts(target: Target, remotePath: string, input: PutInput, opts: PartsOptions): Promise<PartsResult> {
  throwIfAborted(opts.signal);
  const { partSize, parallel: asked } = checkPartsOptions(opts);
  const { dir } = splitRemote(remotePath);
  const name = remoteFileName(remotePath);
  const memoryLimit = opts.memoryLimit ?? 64 * 1024 * 1024;
  const spoolDir = spoolDirectory(opts.spoolDir);
  // Before connecting: a spool too small for even one part at a time fails here.
  const size = input instanceof Uint8Array ? input.length : opts.inputSize === undefined ? undefined : Number(opts.inputSize);
  const parallel = fitSpool({ dir: spoolDir, partSize, parallel: asked, memoryLimit, size, sharedBy: opts.spoolSharedBy }, opts.onSpoolShort);
  const stream = input instanceof Uint8Array ? Readable.from([input]) : input;
  // A descriptor is opened only once the cutting starts: until then, nothing reads it.
  const opened = (): { chunks: Readable | AsyncIterable<Uint8Array>; giveBack?: (chunk: Buffer) => void; want?: (bytes: number) => void } =>
    stream instanceof Readable || Symbol.asyncIterator in stream ? { chunks: stream } : descriptorParts(stream.fd, memoryLimit + LENT_SLACK);
  const { controller: inner, unlink } = linkedController(opts.signal);
  const conn = new Reconnector(target, opts.trace);
  const { ctx, protocol, toSftp, retried, left } = partsContext(opts, conn, name, parallel, inner.signal);
  let replacing = Promise.resolve(false); // an earlier set's manifest is there
  // The manifest as it was before the first part went (concurrent-set.ts); undefined: not known.
  let earlier: Promise<Stamp | undefined> = Promise.resolve(undefined);
  const room = new ManifestRoom(BigInt(partSize), opts.maxParts ?? MAX_PARTS, name);
  let failure: unknown;
  let checked = false; // --no-clobber's look for the set's names is done: an ERR_EXISTS after it comes from a part
  let sendingManifest = false; // its failure may still leave it stored (ScpipeError.stored)
  let manifestConfirmed = false; // scp -t confirmed it whole: a failure after that (its exit status) leaves the set complete
  let setSum: string | undefined; // the stream's SHA-256, once cut: a set stored after all has it
  const fail = (err: unknown): void => {
    failure ??= err;
    inner.abort(err);
  };
  const uploads = new PartUploads(ctx, dir, name, { partSize, parallel }, opts, fail, left);
  const { log, cutShort } = uploads;

  try {
    // Connect now: a refused login fails in seconds, not after the first part.
    // Stopped by the caller's signal, not the run's: the earlier set's lookup
    // below needs the connection also after a producer that failed at once.
    const connecting = conn.current().opener.connect(opts.signal ?? new AbortController().signal);
    connecting.catch(fail);
    await sftpForNewline(conn, protocol, remotePath, inner.signal, toSftp);
    const set = await lookEarlierSet(conn, protocol, { dir, name }, opts, { signal: inner.signal, toSftp, fail });
    ({ stamp: earlier, replacing, checked } = set);
    uploads.earlier = earlier;
    const { chunks, giveBack, want } = opened();
    const cut = await cutParts(chunks, {
      giveBack,
      want,
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
    const at = { dir, name, partSize };
    setSum = cut.sha256;
    const manifest = await sendManifest(ctx, at, cut, log, earlier, opts, () => {
      sendingManifest = true;
    }, () => {
      manifestConfirmed = true;
    });
    // The manifest is stored, and sendFile resolved: its commit point came before any abort.
    opts.onCommitted?.();
    return await storedSet(ctx, at, cut, log, manifest, opts);
  } catch (err) {
    fail(err);
    await uploads.settled();
    throw await partsFailure({ dir, name, err, failure, log, cutShort, left, tempsLeft: uploads.tempsLeft, replacing, checked, sendingManifest, manifestConfirmed, setSum, retried: retried() }, opts);
  } finally {
    unlink();
    conn.close();
  }
}
