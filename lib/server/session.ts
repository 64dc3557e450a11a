// One exec request on `scpipe serve`: the command must be an scp role
// (command-line.ts decides), which then runs against the jail with the same
// roles the client uses, behaving as OpenSSH's remote scp does (docs/protocol.md
// §4): same acks, same `\1scp: …` messages, exit status 0 or 1. Paths in
// messages are the client's view; the real root is never shown.
import { posix } from 'node:path';
import { lstat } from '../fs/byte-fs';
import { errnoCode } from '../fs/strerror';
import type { ServerChannel } from 'ssh2';
import { isScpipeError, ScpipeError } from '../errors';
import { namedFromGiven } from './as-given';
import { sendLocalPaths } from '../fs/local-source';
import { encodeWarning } from '../protocol/records';
import { ScpSink } from '../protocol/sink';
import { ScpSource } from '../protocol/source';
import { linkedController } from '../util/abort';
import { cutInMiddle } from '../util/cut-middle';
import { escapeForTerminal, peerText } from '../util/escape';
import { said, Said, saidError, saidOf } from '../util/said';
import { namesScp, parseScpCommand } from './command-line';
import type { Jail } from './jail';
import { serveChannel } from './server-channel';
import { sourceGuard } from './entry-guard';
import { locate } from './jail-dotdot';
import { clientViewSink, openUploadTarget } from './upload-target';

/** rssh's refusal text, so users of scp-only hosts recognise it. */
export const RESTRICTED_BANNER =
  '\nThis account is restricted by scpipe serve.\nAllowed commands: scp (-t, -f, -r, -p, -d, -v)\n\n';

/** What a session needs from the server. */
export interface SessionContext {
  jail: Jail;
  readOnly: boolean;
  /** Uploads may only add files (docs/serve.md, append-only). */
  appendOnly?: boolean;
  /** One line per transfer, and -v detail. */
  log: (line: string) => void;
  verbose: boolean;
  /** "user@address:port" for the log. */
  who: string;
  signal?: AbortSignal;
  /** The client's connection is still up (a channel that ends now was ended by the client). */
  connected?: () => boolean;
  /** Aborted when the client's connection closes. */
  hangup?: AbortSignal;
}

/** Characters of a refused command the log keeps. */
const MAX_LOGGED_COMMAND = 1000;
/** Of a failure's text cut as long, its end kept: the reason, after a path that took the rest. */
const KEPT_REASON = 400;

/** Runs one exec request to completion; never throws. */
export async function runSession(stream: ServerChannel, command: string, ctx: SessionContext): Promise<void> {
  const parsed = parseScpCommand(command);
  if (!parsed.ok) {
    // pscp -scp and libssh2 never read stderr or the exit status: a refused
    // scp (a wildcard) said only there was, to them, a copy of nothing.
    // Raw in the \1 line, whose reader escapes what it prints (OpenSSH's scp
    // through vis(3)), so a Latin-1 option is shown once, not as `\\xe9`;
    // escaped on stderr, which ssh relays to the terminal unchanged.
    if (namesScp(command)) stream.write(encodeWarning(`scpipe serve: ${parsed.reason}`));
    else stream.stderr.write(`scpipe serve: ${escapeForTerminal(parsed.reason)}${RESTRICTED_BANNER}`);
    // Cut as sshd cuts a command it logs (%.900s): a client's 32 KiB command would be a line as long, each time.
    ctx.log(`${ctx.who} refused command: ${peerText(command, MAX_LOGGED_COMMAND)}`);
    stream.exit(1);
    stream.end();
    return;
  }
  const served = serveChannel(stream, ctx.connected, ctx.hangup);
  // As the SFTP side shows a path (from /, `.` and `..` resolved): one file, one form to grep the log for.
  // Cut as a refused command is: a client's 30 KB name would be a line twice as long, each time.
  const shown = peerText(posix.resolve('/', parsed.path), MAX_LOGGED_COMMAND);
  const direction = parsed.role === 'sink' ? 'upload' : 'download';
  let bytes = 0;
  let problem: string | undefined;
  // A download of a name that is not there is how `put --no-clobber` and a parts set
  // look for a name over SCP, several times a night per client: logged with -v only,
  // as the SFTP side logs an open that fails, so that `failed` lines are problems.
  let absent = false;
  const hide = (text: string): string => ctx.jail.hideRoot(text);
  // The roles' `exit status` line is their client's: here the stand-in server-channel.ts gives them (0 once their
  // output is out), which read as the status sent after a failed file. The status serve sends is traced at close.
  const trace = ctx.verbose ? (line: string) => void (/^exit status /.test(line) || ctx.log(`${ctx.who} ${hide(line)}`)) : undefined;
  const gone = clientGone(stream, ctx.signal);
  try {
    if (parsed.role === 'sink') {
      const local = await openUploadTarget(parsed, ctx, gone.signal);
      if (local instanceof Said) {
        served.channel.stdin.write(encodeWarning(local.wire)); // instead of the initial \0 (§4.1 step 1)
        throw new ScpipeError('ERR_REMOTE', local.shown);
      }
      const shownTarget = ctx.jail.display(await locate(ctx.jail, parsed.path));
      const handler = clientViewSink(local, (text) => namedFromGiven(hide(text), shownTarget, parsed.path), (n) => (bytes += n));
      await new ScpSink(served.channel, handler, { recursive: parsed.recursive, signal: ctx.signal, trace, bodyEndsAtEof: served.clientEof, namesAsBytes: true }).run();
      // A client killed before a record ends the sink as one that had no
      // more to send does; only the connection's loss tells them apart.
      const files = handler.filesStored();
      if (ctx.connected?.() === false) throw new ScpipeError('ERR_LOST_CONNECTION', handler.recordSeen() ? `connection lost after ${files} file${files === 1 ? '' : 's'} stored whole: the client went away before it ended the upload` : 'connection lost before any file');
    } else {
      const source = new ScpSource(served.channel, { signal: ctx.signal, trace, ackEndsAtEof: served.clientEnded });
      await source.start();
      ctx.jail.resolve(parsed.path); // a NUL ends the session
      // A missing name or a link out before a `..` is told as scp -f tells a missing file.
      const host = await locate(ctx.jail, parsed.path).catch((err: unknown) => (isScpipeError(err) ? void source.reportLocalError(err) : Promise.reject(err)));
      absent = host === undefined || (await lstat(host).then(() => false, (err: unknown) => errnoCode(err) === 'ENOENT'));
      const session = {
        sendFile: source.sendFile.bind(source),
        enterDirectory: source.enterDirectory.bind(source),
        leaveDirectory: source.leaveDirectory.bind(source),
        reportLocalError: (err: ScpipeError) => source.reportLocalError(saidError(err.code, saidOf(err).map(hide))),
      };
      // The root has no name a client may see: in a ChrootDirectory OpenSSH
      // sends `D0755 0 ` (basename of "/" is empty), which sinks refuse; its
      // real basename would reveal the host's layout (docs/serve.md).
      const paths = host === undefined || host === ctx.jail.root ? [] : [host];
      if (host === ctx.jail.root) {
        // The client's own words, not hidden again (see openUploadTarget).
        source.reportLocalError(saidError('ERR_USAGE', said`${parsed.path}: cannot send the root directory by name; name the files or directories inside it`));
      }
      await sendLocalPaths(session, paths, {
        recursive: parsed.recursive,
        preserve: parsed.preserve,
        signal: ctx.signal,
        guard: sourceGuard(ctx.jail),
        hold: () => ctx.jail.names.hold(),
        namesAsBytes: true,
        onFileStart: () => {
          const before = bytes;
          return (sent) => {
            bytes = before + Number(sent);
          };
        },
      });
      await source.finish();
    }
  } catch (caught) {
    // The source role tells a client what a cut download left on "the remote": here that is the client's own disk.
    const err = isScpipeError(caught) && caught.cutShort !== undefined && caught.cause instanceof Error ? caught.cause : caught;
    problem = hide(err instanceof Error ? err.message : String(err));
  } finally {
    gone.stop();
  }
  const status = problem === undefined ? 0 : 1;
  trace?.(`> exit status ${status}`);
  await served.close(status);
  if (absent && bytes === 0 && !ctx.verbose) return;
  ctx.log(`${ctx.who} ${direction} ${shown} ${bytes} bytes ${problem === undefined ? 'ok' : `failed: ${cutInMiddle(problem, MAX_LOGGED_COMMAND, KEPT_REASON)}`}`);
}

// Aborts when the channel closes (the client hung up or the connection
// dropped) or the server cuts what runs: what goes on for the client alone,
// comparing a re-sent file of GBs (--append-only), stops then.
function clientGone(stream: ServerChannel, cut: AbortSignal | undefined): { signal: AbortSignal; stop: () => void } {
  const { controller, unlink } = linkedController(cut);
  const hungUp = (): void => controller.abort();
  stream.once('close', hungUp);
  const stop = (): void => {
    unlink();
    stream.off('close', hungUp);
  };
  return { signal: controller.signal, stop };
}
