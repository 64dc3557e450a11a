// scpipe's public API. Re-exports only; the CLI is built on these alone.
export { put } from './client/api';
export { putOverChannel } from './client/put';
export type { PutInput, PutOptions, PutProgress, PutResult } from './client/put';
export type { Target } from './client/connection';

export { ScpipeError, isScpipeError } from './errors';
export type { ScpipeErrorCode, ScpipeErrorContext } from './errors';

export type { ScpChannel, ExitStatus } from './protocol/channel';
export { ScpSource } from './protocol/source';
export type { OutgoingFile, RoleOptions } from './protocol/source';
export { encodeFile, encodeDirectory, encodeEnd, encodeTimes, encodeWarning, encodeFatal, MAX_LINE_BYTES } from './protocol/records';
export type { Times } from './protocol/records';
export { ReplyDecoder } from './protocol/replies';
export type { Reply } from './protocol/replies';
export { buildScpCommand } from './protocol/command';
export type { ScpCommandOptions } from './protocol/command';
export { quoteRemotePath, QUOTE_MODES } from './protocol/quote';
export type { QuoteMode } from './protocol/quote';

export { spool, DEFAULT_MEMORY_LIMIT, parseByteSize, formatBytes } from './spool';
export type { Spool, SpoolOptions, ReplayOptions } from './spool';

export { connectSsh2, execChannel } from './transport/ssh2-transport';
export type { ConnectOptions, Ssh2Connection } from './transport/ssh2-transport';
export { spawnChannel } from './transport/child-channel';
export { parseRemoteSpec, isRemoteSpec } from './transport/target';
export type { RemoteSpec } from './transport/target';
export type { SshOptions, ResolvedHost } from './transport/ssh-config';

export { escapeForTerminal } from './util/escape';
