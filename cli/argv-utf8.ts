// Node decodes argv lossily: bytes that are not UTF-8 (a latin-1 name) arrive
// as U+FFFD, so a remote file, an --output, a --checksum-file or a --name
// would be made under a name other than the one typed, silently. Refuse
// rather than rename; a U+FFFD typed as UTF-8 cannot be told apart.
import { ScpipeError, escapeForTerminal, parseRemoteSpec } from '../lib';

/** Throws ERR_USAGE for the first argument holding U+FFFD. */
export function refuseNotUtf8(argv: readonly string[]): void {
  const arg = argv.find((a) => a.includes('\uFFFD'));
  if (arg === undefined) return;
  const spec = arg.startsWith('-') ? undefined : parseRemoteSpec(arg);
  const what = spec ? `the remote path "${escapeForTerminal(spec.path)}"` : `the argument "${escapeForTerminal(arg)}"`;
  throw new ScpipeError('ERR_USAGE', `${what} holds bytes that are not UTF-8 (shown as \uFFFD); scpipe cannot pass them on unchanged: use a UTF-8 name`);
}
