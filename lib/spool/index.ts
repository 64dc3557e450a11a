// The spool: pass 1 of a transfer of unknown size (measure the input into RAM
// or a private temporary file) and its replay in pass 2. Re-exports only.
export { spool } from './spool';
export { DescriptorInput } from './descriptor';
export { DEFAULT_MEMORY_LIMIT, checkSpoolDirectory, spoolDirectory, spoolDirectoryProblem } from './options';
export { ramFileSystemFree } from './ram-fs';
export { NO_INODES, outOfInodes } from './no-inodes';
export type { SpoolOptions, Spill } from './options';
export type { Spool, ReplayOptions } from './spools';
export { parseByteSize, formatBytes } from './size';
