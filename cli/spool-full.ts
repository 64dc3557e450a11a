// A spool disk that filled: during a single-file SCP put (SCP needs the whole
// stream before its first byte), or under the parts a get fetches ahead; say
// what gets the stream through.
import { DEFAULT_PARALLEL, isScpipeError, type Download } from '../lib';
import { NO_INODES, formatBytes, outOfInodes, partsOf, spoolNeed, withMessage } from '../lib/internal';
import { DEFAULT_MEMORY, parseMemory } from './commands/put-args';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** `err` with the way past a full spool disk added, when that is what it is; else `err`. */
export function withSpoolFullHint(err: unknown): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  if (code === 'ENOSPC' && err.path !== undefined && outOfInodes(err.path)) {
    return withMessage(err, `${err.message}; nothing was sent: ${NO_INODES}`);
  }
  const past = code === 'EFBIG'
    ? 'each a file of its own; or give --spool-dir on a file system that holds a file of the whole stream (FAT holds at most 4 GiB; see also ulimit -f)'
    : 'with bounded disk; or give --spool-dir on a larger disk';
  return withMessage(err, `${err.message}; nothing was sent: over SCP the whole stream is spooled before it goes. --part-size (e.g. 1G) sends it in parts as it comes, ${past}`);
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
// A put that held the fewest already (--parallel 1, asked or all the room allowed): a lower one is no way past.
const PUT_ONE_AT_A_TIME = 'the parts waiting to be sent are held in the spool directory, two at most with --parallel 1 (the fewest): give --spool-dir on a larger disk, or a smaller --part-size';

/** What a get of a set holds at once: --parallel fetched ahead (as many as had room) and the one going out. */
export interface HeldParts {
  parallel: number;
  parts: number;
  partSize: number;
  size: number;
  memory: number;
}

/** A parts set's get or put whose local spool filled, with the way past it added; else `err`. `putParallel`: the parts a put sent at once. */
export function withPartsSpoolFullHint(err: unknown, role: 'get' | 'put', held?: HeldParts, putParallel?: number): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  // A put's error says what the set is left as; the disk's error is its cause's cause.
  const spool = isScpipeError(err.cause, 'ERR_SPOOL') ? err.cause : err;
  const code = (spool.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  const hint = code === 'EFBIG' ? PART_TOO_LARGE[role] : role === 'get' && held !== undefined ? heldHint(held) : role === 'put' && putParallel === 1 ? PUT_ONE_AT_A_TIME : PARTS_HELD[role];
  return withMessage(err, `${err.message}; ${hint}`);
}

/** What get of `download` holds at once, when it is a set, fetching `parallel` parts ahead (the parallelism used). */
export function heldParts(download: Download | undefined, parallel: number | undefined, memory: number | undefined): HeldParts | undefined {
  const manifest = download?.manifest;
  if (manifest === undefined) return undefined;
  const ahead = (parallel ?? DEFAULT_PARALLEL) + 1;
  return { parallel: ahead - 1, parts: Math.min(ahead, partsOf(manifest).count), partSize: Number(manifest.partSize), size: Number(manifest.size), memory: memory ?? parseMemory(DEFAULT_MEMORY) };
}

// The room the parts of this get need, so the disk given is large enough at
// the first try: reckoned as at the start (spool-room.ts), where every part
// held may end up in a file whole.
function heldHint(h: HeldParts): string {
  const need = spoolNeed({ dir: '', partSize: h.partSize, parallel: h.parallel, memoryLimit: h.memory, size: h.size, together: true });
  const lower = h.parallel > 1 ? ', or a lower --parallel' : ' (--parallel 1 holds the fewest)';
  return (
    `the parts fetched ahead are held there, (--parallel + 1) parts at most, here ${h.parts} of ${formatBytes(h.partSize)}, ` +
    `up to ${formatBytes(need)} of them (a part that outgrows the ${formatBytes(h.memory)} of --memory goes there whole): give --spool-dir on a disk with that room${lower}`
  );
}
