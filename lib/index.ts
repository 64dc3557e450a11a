// scpipe's public API. Re-exports only; the CLI is built on these alone.
export { put, putOverChannel } from './client/put';
export { get, getOverChannel } from './client/get';
export type { OpenChannel, RemoteRole } from './client/connection';
export type { Download, GetOptions } from './client/get';
export { upload, download } from './client/copy';
export type { CopyOptions } from './client/copy';
export type { PutInput, PutOptions, PutProgress, PutResult } from './client/put';
export type { Target } from './client/connection';
export type { PartsOptions } from './client/parts/options';
export { DEFAULT_PARALLEL } from './client/parts/options';
export type { PartReport, PartsProgress, PartsResult } from './client/parts/put-parts';
export { formatManifest, parseManifest } from './client/parts/manifest';
export type { Manifest, PartEntry } from './client/parts/manifest';
export { partName, manifestName } from './client/parts/names';
export { withRetries, DEFAULT_RETRIES, DEFAULT_BACKOFF_MS } from './client/retry';
export type { RetryPolicy, RetryEvent } from './client/retry';

export { ScpipeError, isScpipeError } from './errors';
export type { ScpipeErrorCode, ScpipeErrorContext } from './errors';

export type { ScpChannel, ExitStatus } from './protocol/channel';
export { ScpSource } from './protocol/source';
export type { OutgoingFile, RoleOptions } from './protocol/source';
export { encodeFile, encodeDirectory, encodeEnd, encodeTimes, encodeWarning, encodeFatal, MAX_LINE_BYTES } from './protocol/records';
export type { Times } from './protocol/records';
export { ReplyDecoder } from './protocol/replies';
export type { Reply } from './protocol/replies';
export { ScpSink } from './protocol/sink';
export type { SinkOptions } from './protocol/sink';
export type { SinkHandler, FileWriter, SourceRecord, SinkEvent } from './protocol/sink-types';
export { SinkDecoder } from './protocol/sink-decoder';
export { parseRecord } from './protocol/record-parser';
export { checkIncomingName, NameMatcher } from './protocol/names';
export { createLocalSink } from './fs/local-sink';
export { sendLocalPaths } from './fs/local-source';
export { startServer } from './server/server';
export type { ServeOptions, ServeAuth, RunningServer } from './server/server';
export { Jail } from './server/jail';
export { AuthorizedKeys } from './server/authorized-keys';
export { loadHostKey } from './server/host-key';
export { DEFAULT_AUTH_LIMITS } from './server/auth-limits';
export type { AuthLimits } from './server/auth-limits';
export { DEFAULT_CONNECTION_LIMITS, parseMaxStartups } from './server/connection-limits';
export type { ConnectionLimits, StartupLimit } from './server/connection-limits';
export { buildScpCommand } from './protocol/command';
export type { ScpCommandOptions } from './protocol/command';
export { quoteRemotePath, QUOTE_MODES } from './protocol/quote';
export type { QuoteMode } from './protocol/quote';

export { spool, DescriptorInput, DEFAULT_MEMORY_LIMIT, parseByteSize, formatBytes, checkSpoolDirectory } from './spool';
export type { Spool, SpoolOptions, ReplayOptions } from './spool';

export { connectSsh2, execChannel } from './transport/ssh2-transport';
export type { ConnectOptions, Ssh2Connection } from './transport/ssh2-transport';
export { spawnChannel } from './transport/child-channel';
export { childEnv, SECRET_ENV_VARS } from './util/child-env';
export { openSshChannel, sshArgs } from './transport/openssh-transport';
export type { OpenSshChannel, OpenSshOptions } from './transport/openssh-transport';
export { widenReceiveWindow, RECEIVE_WINDOW } from './transport/ssh2-window';
export { parseRemoteSpec, isRemoteSpec } from './transport/target';
export type { RemoteSpec } from './transport/target';
export type { SshOptions, ResolvedHost } from './transport/ssh-config';

export { escapeForTerminal } from './util/escape';
export { TokenBucket, bandwidthLimit } from './util/token-bucket';
export type { BandwidthLimit } from './util/token-bucket';
