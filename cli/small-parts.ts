// put --part-size under 64K on a pipe: a set holds at most MAX_PARTS parts,
// so such a part size caps the stream (4 GiB at 1K), and a 2 TB `btrfs send`
// was stopped only at the part past the limit, hours in. A regular file on
// stdin is refused before connecting (part-count.ts); a pipe's size is
// unknown, so this is said once the stream is longer than SMALL_SET_PARTS
// parts: seconds into a long stream, never for a short one (a few KB in 1K
// parts, which fits in any case).
import { MAX_PARTS, formatBytes } from '../lib/internal';

/** Part sizes below this warn (a set of them holds less than 256 GiB). */
const SMALL_PART_SIZE = 64n * 1024n;
/** The warning waits until the stream has passed this many parts (a second or two of sending them). */
export const SMALL_SET_PARTS = 256n;

/** The warning for a stream of more than SMALL_SET_PARTS parts of `partSize` (as typed: `typed`). */
export function smallPartsWarning(partSize: bigint, typed: string): string {
  const most = partSize * BigInt(MAX_PARTS);
  return (
    `warning: --part-size ${typed}: a set holds at most ${MAX_PARTS} parts, so this one stops once the stream passes ${formatBytes(most)} ` +
    `(exit 1, the parts sent left without a manifest); for a longer stream give a larger --part-size (a 2 TB stream wants parts of a GiB or so)`
  );
}

/**
 * An observer of the bytes produced that says the warning once, through
 * `say`, when they pass SMALL_SET_PARTS parts of a part size under
 * SMALL_PART_SIZE; undefined when it cannot apply (a size known at the start).
 */
export function smallPartsWatch(partSize: bigint, typed: string, sizeKnown: boolean, say: (warning: string) => void): ((produced: bigint) => void) | undefined {
  if (sizeKnown || partSize >= SMALL_PART_SIZE) return undefined;
  const after = partSize * SMALL_SET_PARTS;
  let said = false;
  return (produced) => {
    if (said || produced <= after) return;
    said = true;
    say(smallPartsWarning(partSize, typed));
  };
}
