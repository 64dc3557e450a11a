// One exec request on `scpipe serve`: the command must be an scp role
// (command-line.ts decides), which then runs against the jail with the same
// roles the client uses, behaving as OpenSSH's remote scp does (PROTOCOL.md
// §4): same acks, same `\1scp: …` messages, exit status 0 or 1. Paths in
// messages are the client's view; the real root is never shown.
import { stat } from 'node:fs/promises';
import type { ServerChannel } from 'ssh2';
import { ScpipeError } from '../errors';
import { createLocalSink } from '../fs/local-sink';
import { sendLocalPaths } from '../fs/local-source';
import { encodeWarning } from '../protocol/records';
import { ScpSink } from '../protocol/sink';
import type { FileWriter, SinkHandler } from '../protocol/sink-types';
import { ScpSource } from '../protocol/source';
import { escapeForTerminal } from '../util/escape';
import { parseScpCommand } from './command-line';
import type { Jail } from './jail';
import { serveChannel } from './server-channel';

/** rssh's refusal text, so users of scp-only hosts recognise it. */
export const RESTRICTED_BANNER =
  '\nThis account is restricted by scpipe serve.\nAllowed commands: scp (-t, -f, -r, -p, -d, -v)\n\n';

/** What a session needs from the server. */
export interface SessionContext {
  jail: Jail;
  readOnly: boolean;
  /** One line per transfer, and -v detail. */
  log: (line: string) => void;
  verbose: boolean;
  /** "user@address:port" for the log. */
  who: string;
  signal?: AbortSignal;
}

/** Runs one exec request to completion; never throws. */
export async function runSession(stream: ServerChannel, command: string, ctx: SessionContext): Promise<void> {
  const parsed = parseScpCommand(command);
  if (!parsed.ok) {
    stream.stderr.write(`scpipe serve: ${parsed.reason}${RESTRICTED_BANNER}`);
    ctx.log(`${ctx.who} refused command: ${escapeForTerminal(command)}`);
    stream.exit(1);
    stream.end();
    return;
  }
  const served = serveChannel(stream);
  const shown = escapeForTerminal(parsed.path);
  const direction = parsed.role === 'sink' ? 'upload' : 'download';
  let bytes = 0n;
  let problem: string | undefined;
  const hide = (text: string): string => hideRoot(text, ctx.jail.root);
  const trace = ctx.verbose ? (line: string) => ctx.log(`${ctx.who} ${hide(line)}`) : undefined;
  try {
    if (parsed.role === 'sink') {
      const refusal = await sinkRefusal(parsed.path, parsed.targetIsDirectory, ctx);
      if (refusal) {
        served.channel.stdin.write(encodeWarning(refusal)); // instead of the initial \0 (§4.1 step 1)
        throw new ScpipeError('ERR_REMOTE', refusal);
      }
      const target = ctx.jail.resolve(parsed.path);
      const local = await createLocalSink(target, { preserve: parsed.preserve, recursive: parsed.recursive });
      const handler = countingSink(hidingSink(local, hide), (n) => (bytes += n));
      await new ScpSink(served.channel, handler, { recursive: parsed.recursive, signal: ctx.signal, trace }).run();
    } else {
      const source = new ScpSource(served.channel, { signal: ctx.signal, trace });
      await source.start();
      const host = ctx.jail.resolve(parsed.path);
      const session = {
        sendFile: source.sendFile.bind(source),
        enterDirectory: source.enterDirectory.bind(source),
        leaveDirectory: source.leaveDirectory.bind(source),
        reportLocalError: (err: ScpipeError) => source.reportLocalError(new ScpipeError(err.code, hide(err.message))),
      };
      await sendLocalPaths(session, [host], {
        recursive: parsed.recursive,
        preserve: parsed.preserve,
        signal: ctx.signal,
        guard: async (p) => ((await ctx.jail.isInside(p)) ? undefined : 'symbolic link leads outside the root, not sent'),
        onFileStart: () => {
          let last = 0n;
          return (sent) => {
            bytes += sent - last;
            last = sent;
          };
        },
      });
      await source.finish();
    }
  } catch (err) {
    problem = hide(err instanceof Error ? err.message : String(err));
  }
  await served.close(problem === undefined ? 0 : 1);
  ctx.log(`${ctx.who} ${direction} ${shown} ${bytes} bytes ${problem === undefined ? 'ok' : `failed: ${problem}`}`);
}

// OpenSSH's sink refuses before its first \0 only for -d (verifydir, §4.1
// step 1); we also refuse uploads on a read-only server and targets whose
// path leads outside the root.
async function sinkRefusal(path: string, mustBeDirectory: boolean, ctx: SessionContext): Promise<string | undefined> {
  const display = escapeForTerminal(path);
  if (ctx.readOnly) return `${display}: read-only server`;
  const target = ctx.jail.resolve(path);
  try {
    await ctx.jail.checkNoEscape(target, { allowMissingLeaf: true });
  } catch (err) {
    return hideRoot(err instanceof Error ? err.message : String(err), ctx.jail.root);
  }
  if (!mustBeDirectory) return undefined;
  const st = await stat(target).catch(() => undefined);
  if (!st) return `${display}: No such file or directory`;
  return st.isDirectory() ? undefined : `${display}: Not a directory`;
}

// Replaces the real root in a message with the client's view of it.
function hideRoot(text: string, root: string): string {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  return text.split(`${base}/`).join('/').split(base).join('/');
}

function hidingSink(inner: SinkHandler, hide: (s: string) => string): SinkHandler {
  const hideError = <T>(r: T): T => (r && typeof r === 'object' && 'error' in r ? ({ error: hide((r as { error: string }).error) } as T) : r);
  return {
    openFile: async (file, times, depth) => {
      const w = await inner.openFile(file, times, depth);
      if ('error' in w) return hideError(w);
      return { write: (c) => w.write(c), abort: () => w.abort(), finish: async (r) => {
        const msg = await w.finish(r);
        return msg === undefined ? undefined : hide(msg);
      } };
    },
    enterDirectory: async (dir, times, depth) => hideError(await inner.enterDirectory(dir, times, depth)),
    leaveDirectory: (depth) => inner.leaveDirectory(depth),
  };
}

function countingSink(inner: SinkHandler, add: (n: bigint) => void): SinkHandler {
  return {
    openFile: async (file, times, depth) => {
      const w = await inner.openFile(file, times, depth);
      if ('error' in w) return w;
      const counted: FileWriter = {
        write: (c) => {
          add(BigInt(c.length));
          return w.write(c);
        },
        finish: (r) => w.finish(r),
        abort: () => w.abort(),
      };
      return counted;
    },
    enterDirectory: (dir, times, depth) => inner.enterDirectory(dir, times, depth),
    leaveDirectory: (depth) => inner.leaveDirectory(depth),
  };
}
