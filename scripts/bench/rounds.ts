// The bench's rounds: every case once a round, the tiny ones again up to
// TINY_REPEAT times, each round starting at another case. A run that fails
// is said at once and its case marked and run no more; the other cases go
// on, so an hour of figures is not lost to one case (it once was).
import type { CaseResult } from './report';

/** The tiny cases take a fraction of a second: each round runs them this many times, alternating. */
export const TINY_REPEAT = 4;

/** What one run measured. */
export interface Measured { seconds: number; peakMiB?: number; clientCpu: number; otherCpu: number }

export interface Rounds {
  runs: number;
  isTiny: (name: string) => boolean;
  /** One timed run; rejects when the case failed. `first` is true in the first round (the one that hashes). */
  runOnce: (name: string, first: boolean) => Promise<Measured>;
  /** True once a signal came: no run starts, and a run it cut short is no failure. */
  stopped: () => boolean;
  say: (line: string) => void;
}

/** Runs the rounds into `results` (one per case, in order); false when a signal stopped them. */
export async function runRounds(results: CaseResult[], o: Rounds): Promise<boolean> {
  for (let run = 1; run <= o.runs; run++) {
    const order = results.map((_, i) => results[(i + run - 1) % results.length]!);
    for (let rep = 0; rep < TINY_REPEAT; rep++) {
      for (const r of order) {
        const tiny = o.isTiny(r.name);
        if ((rep > 0 && !tiny) || r.failed !== undefined) continue;
        if (o.stopped()) return false; // the signal's handler is cleaning up: a new run would race it
        const label = tiny ? `${(run - 1) * TINY_REPEAT + rep + 1}/${o.runs * TINY_REPEAT}` : `${run}/${o.runs}`;
        let m: Measured;
        try {
          m = await o.runOnce(r.name, run === 1);
        } catch (err) {
          // A Ctrl-C kills the run's processes too, and one that came during a
          // synchronous step is handled after the next poll phase: no failure then.
          for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
          if (o.stopped()) return false;
          const why = err instanceof Error ? err.message : String(err);
          r.failed = `at run ${label}: ${why.split('\n')[0]}`;
          o.say(`run ${label} ${r.name}: FAILED (not run again): ${why}`);
          continue;
        }
        r.seconds.push(m.seconds);
        r.clientCpu.push(m.clientCpu);
        r.otherCpu.push(m.otherCpu);
        if (m.peakMiB !== undefined) r.peakMiB.push(m.peakMiB);
        o.say(`run ${label} ${r.name}: ${m.seconds.toFixed(tiny ? 3 : 2)} s (CPU s: client ${m.clientCpu.toFixed(2)}, other ${m.otherCpu.toFixed(2)})${m.peakMiB === undefined ? '' : `, peak memory ${m.peakMiB.toFixed(0)} MiB`}`);
      }
    }
  }
  return true;
}
