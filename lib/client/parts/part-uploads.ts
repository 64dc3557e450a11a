// The parts of a run on their way (put-parts.ts): each spooled part sent on
// a lane as its own file, confirmed into the log, its spool freed. At most
// parallel + 1 parts are held (`parallel` sending, one being spooled), so
// local storage stays under (parallel + 1) x partSize.
import { isScpipeError, type TempLeft } from '../../errors';
import { Lanes } from './lanes';
import type { LeftFiles, LeftPart } from './left-parts';
import { partName } from './names';
import type { PartsOptions } from './options';
import { PartLog } from './part-log';
import type { SpooledPart } from './part-writer';
import type { PartReport, PartsProgress } from './put-parts-types';
import { sendFile, type SendContext } from './send';
import { refuseFirstPartAgain } from './no-clobber';
import type { RetryTally } from '../retry';

/** See the file comment. */
export class PartUploads {
  readonly log: PartLog;
  /** Parts an scp -t had begun to write when they failed, and the most each may hold. */
  readonly cutShort: LeftPart[] = [];
  /** What parts sent over SFTP left under temporary names (each failure's tempsLeft): said also when a signal ends the run. */
  readonly tempsLeft: TempLeft[] = [];
  /** Awaited by each part before it goes: the earlier set's lookup, taken before a part of this run can be there. */
  earlier: Promise<unknown> = Promise.resolve(undefined);
  private readonly held: Lanes;
  private readonly progress: PartsProgress = { produced: 0n, confirmed: 0n, inFlight: 0, sending: 0, partsConfirmed: 0 };
  private readonly uploads: Promise<void>[] = [];
  // Part 0's retries: its --no-clobber look again and its send are one file's, within one --retries.
  private readonly firstPartRetries: RetryTally = { spent: 0, kept: 0 };

  constructor(
    private readonly ctx: SendContext,
    private readonly dir: string,
    private readonly name: string,
    size: { partSize: number; parallel: number },
    private readonly opts: Pick<PartsOptions, 'onProgress' | 'onPart'>,
    private readonly fail: (err: unknown) => void,
    private readonly left: LeftFiles,
  ) {
    this.log = new PartLog(name, BigInt(size.partSize)); // 48 bytes a part, not an object each
    this.held = new Lanes(size.parallel + 1, ctx.signal);
  }

  /** Waits until one more part may be held. */
  async acquire(): Promise<void> {
    await this.held.acquire();
  }

  /** Sends `part`; its failure stops the run (`fail`). */
  start(part: SpooledPart): void {
    this.uploads.push(this.upload(part).catch(this.fail));
  }

  /** The bytes of the input taken so far. */
  produced(bytes: bigint): void {
    this.progress.produced = bytes;
    this.tell();
  }

  /** Every part started so far sent (each failure went to `fail`). */
  all(): Promise<void[]> {
    return Promise.all(this.uploads);
  }

  /** Every part started so far settled. */
  settled(): Promise<unknown> {
    return Promise.allSettled(this.uploads);
  }

  private async lookAgain(before: Promise<unknown>): Promise<void> {
    await before;
    if (this.ctx.protocol.now === 'scp') await refuseFirstPartAgain(this.ctx.conn, this.dir, this.name, { ...this.ctx, tally: this.firstPartRetries });
  }

  private tell(): void {
    this.opts.onProgress?.({ ...this.progress });
  }

  private async upload(part: SpooledPart): Promise<void> {
    const file = partName(this.name, part.index);
    // --no-clobber over SCP: the first part's name looked up again before any part goes (no-clobber.ts).
    if (part.index === 0 && this.ctx.noClobber) this.earlier = this.lookAgain(this.earlier);
    const progress = this.progress;
    progress.inFlight++;
    this.tell();
    try {
      await this.earlier;
      const onLane = (holding: boolean): void => {
        progress.sending += holding ? 1 : -1;
        this.tell();
      };
      const ctx = part.index === 0 ? { ...this.ctx, retryTally: this.firstPartRetries } : this.ctx;
      const sent = await sendFile(ctx, this.dir, file, BigInt(part.size), () => part.spool.replay(), undefined, onLane);
      const report: PartReport = {
        index: part.index,
        name: file,
        size: BigInt(part.size),
        sha256: part.sha256,
        lane: sent.lane,
        ms: sent.ms,
        attempts: sent.attempts,
        spooled: part.onDisk ? 'disk' : 'memory',
      };
      this.log.add(report);
      progress.confirmed += report.size;
      progress.partsConfirmed++;
      this.opts.onPart?.(report);
    } catch (err) {
      // Its own: a part that waited for a lane is rejected with the failure that stopped the run.
      const cut = this.left.of(file, isScpipeError(err) && err.cutShort?.name === file ? err.cutShort : undefined);
      if (cut !== undefined) this.cutShort.push({ index: part.index, written: cut.written, size: cut.size, failed: cut.failed });
      if (isScpipeError(err) && err.tempsLeft) this.tempsLeft.push(...err.tempsLeft);
      throw err;
    } finally {
      progress.inFlight--;
      this.tell();
      await part.dispose();
      this.held.release(0);
    }
  }
}
