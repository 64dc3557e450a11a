// What the scpipe CLI (cli/) needs from the library beyond its public API
// (lib/index.ts): tuning and terminal details that are not meant for other
// programs. Not part of the public API: it may change in any release.
// Re-exports only.
export { parseByteSize, formatBytes, checkSpoolDirectory, spoolDirectory, spoolDirectoryProblem, ramFileSystemFree, NO_INODES, outOfInodes } from './spool';
export { withMessage } from './errors';
export { BODY_CHUNK } from './util/body-chunk';
export { childEnv } from './util/child-env';
export { escapeControls, isUnsafe } from './util/escape';
export { testLowered } from './util/test-waits';
export { shellWord } from './util/shell-word';
export { MAKE_DIRECTORY, hostWord } from './client/missing-directory';
export { findHome, homeDirectory } from './util/home';
export { statFields } from './util/proc-stat';
export { outOfDescriptors } from './util/limits';
export { describeIoError, errnoCode, strerror } from './fs/strerror';
export { followLinks, plantedDetail } from './fs/target';
export { isTempNameFor } from './fs/temp-file';
export { FileReads } from './fs/file-reads';
export { isKeptRestoreName } from './client/kept-names';
export { parsePort } from './transport/ssh-config-values';
export { canAskUser, cancelQuestionOnTty, isAskingOnTty, promptOnTty } from './transport/tty-prompt';
export { byteArgs } from './transport/byte-argv';
export { defaultHostKeyPath } from './server/host-key';
export { defaultStateDir } from './server/state-dir';
export { parseMaxStartups } from './server/connection-limits';
export { namesDirectory, namesNoFile, sourceNamesDirectory } from './client/remote-name';
export { partsOf } from './client/parts/manifest';
export { partIndex } from './client/parts/names';
export { MAX_PARTS } from './client/parts/manifest';
export { NAME_MAX } from './protocol/name-max';
export { spoolNeed } from './client/parts/spool-room';
export { fromBytes, hostPath, toBytes } from './util/byte-text';
/** node:fs/promises for paths that may hold bytes that are not UTF-8 (fs/byte-fs.ts). */
export * as byteFs from './fs/byte-fs';
