// What the main thread (descriptor.ts) and the worker thread of pass 1
// (descriptor-worker.ts) share: the worker's data, the words of the shared
// control array and their states, the sizes, and the messages the worker posts.
// The worker cannot import these (it runs from its source text), so it keeps
// copies of the constants, which a unit test compares with these.
import type { SpillTarget } from './options';

/** What the worker is given as workerData. */
export interface DescriptorWorkerData {
  fd: number;
  memoryLimit: number;
  /**
   * Bytes kept in RAM blocks: memoryLimit, or less when the main thread has a
   * memory file for the rest of the RAM part (bytes blockLimit..memoryLimit).
   */
  blockLimit: number;
  /** The input's first bytes, already read by the main thread (descriptor-head.ts). */
  head: Uint8Array;
  /** True when the input ended within `head`: the descriptor is not read at all. */
  ended: boolean;
  /** Int32Array view: [CONTROL_STATE] and [CONTROL_FD], shared with the main thread. */
  control: SharedArrayBuffer;
}

/** Index of the state word in `control`. */
export const CONTROL_STATE = 0;
/** Index of the next file's descriptor in `control`, valid once the state is STATE_FILE_READY. */
export const CONTROL_FD = 1;
/** Reading; the worker may be waiting for a file. */
export const STATE_RUNNING = 0;
/**
 * The main thread created the file the worker asked for; its descriptor is in
 * CONTROL_FD. The worker takes it and sets the state back to STATE_RUNNING.
 */
export const STATE_FILE_READY = 1;
/** The main thread gave up (abort, failure): the worker stops at once. */
export const STATE_STOP = 2;
/** Size of the RAM blocks, as ChunkList's. */
export const WORKER_BLOCK = 4 * 1024 * 1024;
/** The buffer of the spill loop. */
export const WORKER_COPY = 128 * 1024;

/** What the worker posts to the main thread. */
export type DescriptorMessage =
  /** Bytes taken so far, at most every 100 ms, and once more when the input pauses. */
  | { type: 'progress'; bytes: number }
  /**
   * Over the block limit ('memory') or the memory limit or a full memory file
   * ('disk'): the worker needs that file and waits for STATE_FILE_READY or STATE_STOP.
   */
  | { type: 'spill'; bytes: number; target: SpillTarget }
  /** End of input within the block limit: the bytes, as transferred blocks with the used length of each. */
  | { type: 'memory'; bytes: number; blocks: ArrayBuffer[]; lengths: number[] }
  /** End of input, all of it (`written` bytes) in the last file asked for; an earlier memory file is empty. */
  | { type: 'files'; bytes: number; written: number }
  /** A read of the input or a write of a file failed; `written`: to that file. */
  | { type: 'error'; op: 'read' | 'write'; code?: string; message: string; bytes: number; written: number }
  /** Stopped on STATE_STOP. */
  | { type: 'stopped' };
