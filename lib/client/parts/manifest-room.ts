// Counts the parts as each begins, and stops the stream at the first one
// past the most a set may have (manifest.ts MAX_PARTS): a set put stores
// and get refuses would be restorable only by hand.
import { ScpipeError } from '../../errors';
import { NAME_MAX } from '../../protocol/name-max';
import { partName } from './names';

// Parts up to NAME.899999 have 7 bytes of suffix, later ones 9 (names.ts).
const SHORT_SUFFIXES = 900_000;

/** The manifest's room for more parts. */
export class ManifestRoom {
  private parts = 0;

  private readonly limit: number;
  private readonly why: string;

  constructor(private readonly partSize: bigint, limit: number, name: string) {
    // A NAME of 247 or 248 bytes fits its first 900000 part names in NAME_MAX, not the one after.
    const long = Buffer.byteLength(partName(name, SHORT_SUFFIXES)) > NAME_MAX && limit > SHORT_SUFFIXES;
    this.limit = long ? SHORT_SUFFIXES : limit;
    this.why = long ? `the most a set of a name this long may have (${partName(name, SHORT_SUFFIXES).length - name.length - 1}-digit part names would pass ${NAME_MAX} bytes): give a larger --part-size, or a shorter name` : 'the most parts a set may have: give a larger --part-size';
  }

  /** Makes room for the next part, or gives the ERR_SIZE_MISMATCH that stops the run. */
  take(): ScpipeError | undefined {
    if (this.parts >= this.limit) {
      const carried = this.partSize * BigInt(this.parts);
      return new ScpipeError(
        'ERR_SIZE_MISMATCH',
        `the stream is longer than ${this.parts} parts of ${this.partSize} bytes (${carried} bytes), ${this.why}`,
      );
    }
    this.parts++;
    return undefined;
  }
}
