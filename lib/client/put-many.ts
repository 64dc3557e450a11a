// One stream to several destinations in one run (`put vault:f offsite:f`):
// the input is read once and split (util/tee.ts), and each destination is a
// put() of its own, with its own protocol, parts and retries; those that go
// over SCP with a single file share one spool (shared-spool.ts). The
// slowest destination sets the pace; one that fails is let go and the others
// go on, so a backup still lands where it can. A failing input (a producer
// after `--` that dies) fails every destination, as it would fail one.
import { Readable } from 'node:stream';
import { ScpipeError, asScpipeError } from '../errors';
import { linkedController } from '../util/abort';
import { tee } from '../util/tee';
import type { Target } from './connection';
import type { PartsOptions } from './parts/options';
import { putSeated } from './put';
import { SharedSpool } from './shared-spool';
import { spoolable, type PutOptions, type PutResult } from './put-types';

/** Where one copy goes. */
export interface Destination {
  target: Target;
  remotePath: string;
}

/** What became of one destination. */
export type DestinationOutcome = { ok: true; result: PutResult } | { ok: false; error: unknown };

/**
 * Sends `input` to every destination at once; resolves with each one's
 * outcome, in order (never rejects for a destination's failure).
 * `optionsFor(i)` gives destination i's put() options; `onSettled(i, outcome)`
 * is called as each one ends, before the others may have; if it throws,
 * putMany rejects with ERR_LOCAL_IO once every destination has ended.
 *
 *     const outcomes = await putMany([{ target: vault, remotePath: 'db.zst' }, { target: offsite, remotePath: 'db.zst' }], stream, () => ({ signal }));
 */
export async function putMany(
  destinations: readonly Destination[],
  input: Readable | AsyncIterable<Uint8Array> | Uint8Array,
  optionsFor: (i: number) => PutOptions & Partial<Omit<PartsOptions, 'onProgress'>>,
  onSettled?: (i: number, outcome: DestinationOutcome) => void,
): Promise<DestinationOutcome[]> {
  if (destinations.length === 0) throw new ScpipeError('ERR_USAGE', 'putMany() needs at least one destination');
  spoolable(input); // refuses what put() refuses (a stream that has already ended) before any destination starts
  const source: AsyncIterable<Uint8Array> = input instanceof Uint8Array ? Readable.from([input]) : input;
  // Asked first, to know who shares the spool; one that throws fails its destination alone.
  const options = destinations.map((_, i): { opts: ReturnType<typeof optionsFor> } | { thrown: unknown } => {
    try {
      return { opts: optionsFor(i) };
    } catch (thrown) {
      return { thrown };
    }
  });
  const optsOf = (i: number): ReturnType<typeof optionsFor> => {
    const o = options[i]!;
    if ('thrown' in o) throw o.thrown;
    return o.opts;
  };
  // Who may replay the shared spool: a single file of unknown size (a parts set keeps its own parts).
  const seats = options.map((o) => 'opts' in o && o.opts.partSize === undefined && o.opts.size === undefined);
  const sharing = seats.some(Boolean);
  const split = tee(source, destinations.length + (sharing ? 1 : 0));
  const shared = sharing
    ? new SharedSpool(seats, split.branches[destinations.length]!, () => split.close(destinations.length), optsOf, (i) => split.close(i))
    : undefined;
  const seatOf = destinations.map((_, i) => shared?.seat(i));
  // onSettled throwing is the caller's failure, not a destination's: it is
  // said once every put has ended, so none goes on after putMany settled.
  let thrown: { err: unknown } | undefined;
  // Each put() listens for the abort: on a signal of scpipe's own, not the caller's, whose 10 would warn of a leak.
  const links = new Map<AbortSignal, ReturnType<typeof linkedController>>();
  const withOwnSignal = (opts: ReturnType<typeof optionsFor>): ReturnType<typeof optionsFor> => {
    if (opts.signal === undefined) return opts;
    let link = links.get(opts.signal);
    if (link === undefined) links.set(opts.signal, (link = linkedController(opts.signal)));
    return { ...opts, signal: link.controller.signal };
  };
  const outcomes = await Promise.all(
    destinations.map(async ({ target, remotePath }, i): Promise<DestinationOutcome> => {
      let outcome: DestinationOutcome;
      try {
        outcome = { ok: true, result: await putSeated(target, remotePath, split.branches[i]!, withOwnSignal(optsOf(i)), seatOf[i]) };
      } catch (error) {
        outcome = { ok: false, error: asScpipeError(error) };
      } finally {
        split.close(i); // a put that failed before reading must not hold the others back
        seatOf[i]?.done();
      }
      try {
        onSettled?.(i, outcome);
      } catch (err) {
        thrown ??= { err };
      }
      return outcome;
    }),
  ).finally(async () => {
    for (const link of links.values()) link.unlink();
    await shared?.dispose(); // its file is gone before putMany settles, also after a signal
  });
  // Every destination failed before the input's end: end it, as put() does, so its producer gets EPIPE.
  if (input instanceof Readable && !input.readableEnded) input.destroy();
  if (thrown) throw asScpipeError(thrown.err);
  return outcomes;
}
