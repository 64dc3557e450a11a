// The spool: pass 1 of a transfer of unknown size (measure the input into RAM
// or a private temporary file) and its replay in pass 2. Re-exports only.
export { spool, DEFAULT_MEMORY_LIMIT } from './spool';
export type { Spool, SpoolOptions, ReplayOptions } from './spool';
export { parseByteSize, formatBytes } from './size';
