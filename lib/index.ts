// scpipe's public API: what a program embedding scpipe uses. Re-exports only.
// (lib/internal.ts has what the CLI needs beyond this; it is not part of it.)

// Transfers: one stream to or from one remote file, and cp's two directions.
export { put } from './client/put';
export { putOverChannel } from './client/scp-put';
export type { DescriptorSource, PutInput, PutOptions, PutResult } from './client/put-types';
export type { StaleTempOptions } from './client/stale-temp-options';
export type { OthersStale } from './client/sftp-stale';
export { putMany } from './client/put-many';
export type { Destination, DestinationOutcome } from './client/put-many';
export { get } from './client/get';
export { getOverChannel } from './client/scp-get';
export type { Download, GetOptions } from './client/get-types';
export type { BodyStream } from './client/body-stream';
export { saveDownload } from './client/save-download';
export { SumCheck } from './client/sum-check';
// Checksum files as sha256sum writes and reads them (put and get's --checksum-file, get's --check).
export { formatChecksumLine, parseChecksumFile, checksumFor, parseSha256 } from './util/checksum-file';
export type { ChecksumEntry } from './util/checksum-file';
export { getTo } from './client/get-to';
export type { GetToOptions } from './client/get-to';
export type { ResumeEvent, ResumePoint, Cut } from './client/parts/kept-restore';
export type { DroppedKept, FileResumePoint, RemoteVersion } from './client/kept-file';
export { upload } from './client/copy-upload';
export { download } from './client/copy-download';
export type { CopyOptions } from './client/copy-types';
export type { CopiedFile } from './client/copied-file';
export type { Progress } from './client/progress';
export type { Spill, SpillTarget } from './spool/options';
// A stream as a set of parts with a manifest (put's `partSize`), retried on a lost connection.
export type { PartsOptions, PartSpill } from './client/parts/options';
export { DEFAULT_PARALLEL } from './client/parts/options';
export type { SpoolShort } from './client/parts/spool-room';
export { MAX_PARALLEL, checkCounts } from './client/counts';
export type { PartReport, PartsProgress, PartsResult } from './client/parts/put-parts-types';
export { formatManifest } from './client/parts/manifest';
export { parseManifest } from './client/parts/manifest-reader';
export type { Manifest, PartEntry } from './client/parts/manifest';
export { partName, manifestName } from './client/parts/names';
export { DEFAULT_RETRIES } from './client/retry';
export { STALE_AFTER_S } from './client/sftp-stale';
export { PROTOCOLS } from './client/protocol-choice';
export type { Protocol } from './client/protocol-choice';
export { SftpSession } from './sftp/session';
export type { SftpLimits, RemoteFileSystem } from './sftp/session';
export { PipelinedWriter } from './sftp/writer';
export type { WriteLane, WriterOptions } from './sftp/writer';
export { WriteLedger } from './sftp/ledger';
export type { HeldChunk } from './sftp/ledger';
export { readOrdered } from './sftp/reader';
export type { ReadLane, ReaderOptions } from './sftp/reader';
export { ReplyPool } from './sftp/reply-pool';
export { SFTP_STATUS } from './sftp/status';
export type { RetryPolicy, RetryEvent } from './client/retry';
export type { OpenChannel, RemoteRole, Target, ChannelOpener } from './client/connection';
// What putOverChannel() takes to connect again after a lost connection.
export type { Reconnector } from './client/reconnect';
export type { ConnectOptions } from './transport/connect-options';
export type { SshOptions } from './transport/ssh-config';
export { bandwidthLimit } from './util/token-bucket';
export type { BandwidthLimit, BucketClock, TokenBucket } from './util/token-bucket';
export { parseRemoteSpec, isRemoteSpec, formatRemoteSpec } from './transport/target';
export type { RemoteSpec } from './transport/target';

// Errors: a stable code to branch on, and context.
export { ScpipeError, isScpipeError, abortError } from './errors';
export type { ScpipeErrorCode, ScpipeErrorContext, CutShort, TempLeft } from './errors';

// The SCP protocol roles and codecs, for programs that bring their own channel.
export type { ScpChannel, ExitStatus, StallWaits } from './protocol/channel';
export type { StallWatch } from './transport/stall-watch';
export type { StallReach } from './util/stall-reach';
export { ScpSource } from './protocol/source';
export type { OutgoingFile, RoleOptions, SourceOptions } from './protocol/source-types';
export { encodeFile, encodeDirectory, encodeEnd, encodeTimes, encodeWarning, encodeFatal, MAX_LINE_BYTES } from './protocol/records';
export type { Times } from './protocol/records';
export { ReplyDecoder } from './protocol/replies';
export type { Reply } from './protocol/replies';
export { ScpSink } from './protocol/sink';
export type { SinkOptions } from './protocol/sink-types';
export type { SinkHandler, FileWriter, SourceRecord, SinkEvent, ReceivedTimes, FileRecord, DirectoryRecord, TimesRecord, EndRecord, MessageRecord } from './protocol/sink-types';
export { SinkDecoder } from './protocol/sink-decoder';
export type { SinkDecoderOptions, SinkDecoderState } from './protocol/sink-decoder';
export { parseRecord } from './protocol/record-parser';
export { checkIncomingName, NameMatcher } from './protocol/names';
export type { NameMatcherOptions } from './protocol/names';
export { buildScpCommand, checkScpRemotePath } from './protocol/command';
export type { ScpCommandOptions, RemoteCommandOptions } from './protocol/command';
export { quoteRemotePath, QUOTE_MODES } from './protocol/quote';
export type { QuoteMode } from './protocol/quote';
export { createLocalSink, sendLocalPaths } from './fs';
export type { LocalSinkHandler, LocalSinkOptions, SendLocalOptions, SourceSession, TimeRange } from './fs';

// The scp-only SSH server (`scpipe serve`).
export { startServer } from './server/server';
export type { ServeOptions, ServeAuth, RunningServer } from './server/server';
export { Jail } from './server/jail';
export type { NameLock } from './server/name-lock';
export { AuthorizedKeys } from './server/authorized-keys';
export { AuthorizedKeysFile } from './server/keys-file';
export type { SkippedKey } from './server/authorized-keys';
export { loadHostKey } from './server/host-key';
export type { HostKey } from './server/host-key';
export { DEFAULT_AUTH_LIMITS } from './server/auth-limits';
export type { AuthLimits } from './server/auth-limits';
export { DEFAULT_CONNECTION_LIMITS } from './server/connection-limits';
export type { ConnectionLimits, StartupLimit } from './server/connection-limits';
export { RECORDS_PER_LOGIN_MAX as DEFAULT_MAX_UPLOADS_PER_KEY } from './server/sftp/owner-records';
export { DEFAULT_LEFTOVER_CHECK_MS } from './server/leftovers';

// Peer text (names, messages) made safe to show on a terminal.
export { escapeForTerminal } from './util/escape';
export { Said } from './util/said';
