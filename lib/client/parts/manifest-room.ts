// Counts what the manifest will take as each part begins, and stops the
// stream at the first part that would make it larger than get reads: a set
// put stores and get refuses would be restorable only by hand.
import { ScpipeError } from '../../errors';
import { manifestHeadBytes, manifestPartBytes } from './manifest';
import { partName } from './names';

/** The manifest's room for more parts. */
export class ManifestRoom {
  private bytes: number;
  private parts = 0;

  constructor(private readonly name: string, private readonly partSize: bigint, private readonly limit: number) {
    this.bytes = manifestHeadBytes(name, partSize);
  }

  /** Makes room for the next part's lines, or gives the ERR_SIZE_MISMATCH that stops the run. */
  take(): ScpipeError | undefined {
    const bytes = this.bytes + manifestPartBytes(partName(this.name, this.parts), this.partSize);
    if (bytes > this.limit) {
      const carried = this.partSize * BigInt(this.parts);
      return new ScpipeError(
        'ERR_SIZE_MISMATCH',
        `the stream is longer than ${this.parts} parts of ${this.partSize} bytes (${carried} bytes), the most a manifest get reads (${this.limit} bytes) can list: give a larger --part-size`,
      );
    }
    this.bytes = bytes;
    this.parts++;
    return undefined;
  }
}