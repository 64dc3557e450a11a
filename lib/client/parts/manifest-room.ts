// Counts the parts as each begins, and stops the stream at the first one
// past the most a set may have (manifest.ts MAX_PARTS): a set put stores
// and get refuses would be restorable only by hand.
import { ScpipeError } from '../../errors';

/** The manifest's room for more parts. */
export class ManifestRoom {
  private parts = 0;

  constructor(private readonly partSize: bigint, private readonly limit: number) {}

  /** Makes room for the next part, or gives the ERR_SIZE_MISMATCH that stops the run. */
  take(): ScpipeError | undefined {
    if (this.parts >= this.limit) {
      const carried = this.partSize * BigInt(this.parts);
      return new ScpipeError(
        'ERR_SIZE_MISMATCH',
        `the stream is longer than ${this.parts} parts of ${this.partSize} bytes (${carried} bytes), the most parts a set may have: give a larger --part-size`,
      );
    }
    this.parts++;
    return undefined;
  }
}
