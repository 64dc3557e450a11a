// A spool disk that filled: during a single-file SCP put (SCP needs the whole
// stream before its first byte), or under the parts a get fetches ahead; say
// what gets the stream through.
import { DEFAULT_PARALLEL, ScpipeError, isScpipeError, type Download } from '../lib';
import { NO_INODES, formatBytes, outOfInodes, partsOf } from '../lib/internal';
import { DEFAULT_MEMORY, parseMemory } from './commands/put-args';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** `err` with the way past a full spool disk added, when that is what it is; else `err`. */
export function withSpoolFullHint(err: unknown): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  if (code === 'ENOSPC' && err.path !== undefined && outOfInodes(err.path)) {
    return new ScpipeError('ERR_SPOOL', `${err.message}; nothing was sent: ${NO_INODES}`, { path: err.path, bytes: err.bytes, cause: err.cause });
  }
  const past = code === 'EFBIG'
    ? 'each a file of its own; or give --spool-dir on a file system that holds a file of the whole stream (FAT holds at most 4 GiB; see also ulimit -f)'
    : 'with bounded disk; or give --spool-dir on a larger disk';
  return new ScpipeError(
    'ERR_SPOOL',
    `${err.message}; nothing was sent: over SCP the whole stream is spooled before it goes. --part-size (e.g. 1G) sends it in parts as it comes, ${past}`,
    { path: err.path, bytes: err.bytes, cause: err.cause },
  );
}

// EFBIG: the file system's largest file (FAT: 4 GiB), or `ulimit -f`, not its room.
const PART_TOO_LARGE = {
  get: 'a part is larger than the largest file the spool directory\'s file system holds (FAT: 4 GiB; see also ulimit -f): give --spool-dir on another file system',
  put: 'a part is larger than the largest file the spool directory\'s file system holds (FAT: 4 GiB; see also ulimit -f): give a smaller --part-size, or --spool-dir on another file system',
};

// What the parts held in the spool directory are, and how to give them room.
const PARTS_HELD = {
  get: 'the parts fetched ahead are held there, (--parallel + 1) parts at most: give --spool-dir on a larger disk, or a lower --parallel',
  put: 'the parts waiting to be sent are held in the spool directory, (--parallel + 1) parts at most: give --spool-dir on a larger disk, or a smaller --part-size or --parallel',
};

/** What a get of a set holds at once: `parts` of `partSize`, the first `memory` bytes of them in RAM. */
export interface HeldParts {
  parts: bigint;
  partSize: bigint;
  memory: bigint;
}

/** A parts set's get or put whose local spool filled, with the way past it added; else `err`. */
export function withPartsSpoolFullHint(err: unknown, role: 'get' | 'put', held?: HeldParts): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  // A put's error says what the set is left as; the disk's error is its cause's cause.
  const spool = isScpipeError(err.cause, 'ERR_SPOOL') ? err.cause : err;
  const code = (spool.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  const hint = code === 'EFBIG' ? PART_TOO_LARGE[role] : role === 'get' && held !== undefined ? heldHint(held) : PARTS_HELD[role];
  return new ScpipeError('ERR_SPOOL', `${err.message}; ${hint}`, { ...err, cause: err.cause });
}

/** What get of `download` holds at once, when it is a set: --parallel fetched ahead and the one going out, at most all of them. */
export function heldParts(download: Download | undefined, parallel: number | undefined, memory: number | undefined): HeldParts | undefined {
  const manifest = download?.manifest;
  if (manifest === undefined) return undefined;
  const count = BigInt(partsOf(manifest).count);
  const ahead = BigInt((parallel ?? DEFAULT_PARALLEL) + 1);
  return { parts: ahead < count ? ahead : count, partSize: manifest.partSize, memory: BigInt(memory ?? parseMemory(DEFAULT_MEMORY)) };
}

// The room the parts of this get need, so the disk given is large enough at the first try.
function heldHint({ parts, partSize, memory }: HeldParts): string {
  const past = parts * partSize - memory;
  return (
    `the parts fetched ahead are held there, (--parallel + 1) parts at most, here ${parts} of ${formatBytes(partSize)}, ` +
    `up to ${formatBytes(past > 0n ? past : 0n)} of them past the ${formatBytes(memory)} of --memory: give --spool-dir on a disk with that room, or a lower --parallel`
  );
}
