// The parts a parts upload confirmed, for its manifest and its result: some
// 48 bytes a part in a few arrays, not an object each, as a set may have
// millions (manifest.ts MAX_PARTS). A part's report is made when asked.
import { putSum, sumAt, withRoomFor } from './digests';
import { partName } from './names';
import type { PartReport } from './put-parts-types';

const CONFIRMED = 1;
const ON_DISK = 2;

/** What is known of each confirmed part. */
export class PartLog {
  private digests = Buffer.alloc(0);
  private flags = new Uint8Array(0);
  private lanes = new Uint8Array(0);
  private attempts = new Uint32Array(0);
  private ms = new Float64Array(0);
  private readonly sizes = new Map<number, bigint>(); // those not of the part size: the last at most
  /** One past the highest part confirmed. */
  length = 0;
  /** Confirmed parts. */
  confirmed = 0;
  /** Sends past each part's first. */
  resends = 0;
  /** A part went through a spool file. */
  onDisk = false;

  constructor(private readonly name: string, private readonly partSize: bigint) {}

  add(report: PartReport): void {
    const i = report.index;
    if (i >= this.flags.length) this.grow(Math.max(i + 1, this.flags.length * 2, 1024));
    putSum(this.digests, i, report.sha256);
    this.flags[i] = CONFIRMED | (report.spooled === 'disk' ? ON_DISK : 0);
    this.lanes[i] = report.lane;
    this.attempts[i] = report.attempts;
    this.ms[i] = report.ms;
    if (report.size !== this.partSize) this.sizes.set(i, report.size);
    this.length = Math.max(this.length, i + 1);
    this.confirmed++;
    this.resends += report.attempts - 1;
    if (report.spooled === 'disk') this.onDisk = true;
  }

  has(index: number): boolean {
    return ((this.flags[index] ?? 0) & CONFIRMED) !== 0;
  }

  /** Part `index`'s report; a confirmed one only. */
  at(index: number): PartReport {
    return {
      index,
      name: partName(this.name, index),
      size: this.sizes.get(index) ?? this.partSize,
      sha256: sumAt(this.digests, index),
      lane: this.lanes[index]!,
      ms: this.ms[index]!,
      attempts: this.attempts[index]!,
      spooled: this.flags[index]! & ON_DISK ? 'disk' : 'memory',
    };
  }

  /** The confirmed parts' indices, in order. */
  indices(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.has(i)) out.push(i);
    return out;
  }

  /** Every report, a hole where a part was not confirmed (as the result's list always was). */
  list(): PartReport[] {
    const out: PartReport[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) if (this.has(i)) out[i] = this.at(i);
    return out;
  }

  private grow(size: number): void {
    this.digests = withRoomFor(this.digests, size);
    this.flags = grown(this.flags, new Uint8Array(size));
    this.lanes = grown(this.lanes, new Uint8Array(size));
    this.attempts = grown(this.attempts, new Uint32Array(size));
    this.ms = grown(this.ms, new Float64Array(size));
  }
}

function grown<T extends Uint8Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
