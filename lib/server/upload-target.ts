// The target of an scp upload to `scpipe serve` (session.ts): the jail's
// check of the path, the local sink that writes there, and that sink as the
// client sees it (paths from the root, bytes counted for the log).
import { posix } from 'node:path';
import { stat } from '../fs/byte-fs';
import { isScpipeError } from '../errors';
import { createLocalSink } from '../fs/local-sink';
import type { FileWriter, SinkHandler } from '../protocol/sink-types';
import { escapeForTerminal } from '../util/escape';
import { asSaid, said, Said, saidOf } from '../util/said';
import { namedFromGiven } from './as-given';
import type { ScpCommand } from './command-line';
import { sinkGuard } from './entry-guard';
import { locate } from './jail-dotdot';
import type { SessionContext } from './session';
import { beingWritten } from './sftp/store-guard';

// An scp command that command-line.ts accepted.
type ScpRequest = Extract<ScpCommand, { ok: true }>;

// The local sink for an upload, or the refusal to send instead of the first
// \0. OpenSSH's sink refuses there only for -d (verifydir, §4.1 step 1); we
// also refuse uploads on a read-only server and targets whose path leads
// outside the root. The sink then writes where the jail checked: both follow
// a dangling link with fs/target.ts's followLinks().
export async function openUploadTarget(command: ScpRequest, ctx: SessionContext, clientGone: AbortSignal): Promise<SinkHandler | Said> {
  const path = command.path;
  if (ctx.readOnly) return said`${path}: read-only server`;
  let target: string | undefined;
  try {
    target = await locate(ctx.jail, command.path);
    await ctx.jail.checkNoEscape(target, { allowMissingLeaf: true });
  } catch (err) {
    // The jail speaks in client paths already. Hiding the root in them again
    // turned a client path that begins with the real root's path into
    // another, and so told the client where the root is on the host.
    return target === undefined ? saidOf(err) : namedAsGiven(err, ctx.jail.display(target), path);
  }
  try {
    if (command.targetIsDirectory) {
      const st = await stat(target).catch(() => undefined);
      if (!st) return said`${path}: No such file or directory`;
      if (!st.isDirectory()) return said`${path}: Not a directory`;
    }
    // `nodir/` names a directory: a file is refused there, as OpenSSH's open()
    // refuses it, not stored as `nodir` (a second upload would replace it).
    const asGiven = command.path.endsWith('/') && target !== ctx.jail.root ? `${target}/` : target;
    return await createLocalSink(asGiven, {
      preserve: command.preserve,
      recursive: command.recursive,
      dropSetId: true,
      regularFilesOnly: true,
      appendOnly: ctx.appendOnly,
      // A file another client still writes (SFTP) is no stored one to count the same as.
      compare: { signal: clientGone, beingWritten },
      // The session's line names the target the client gave (`.`, `backups/`, a tree's
      // directory): each file stored under another name gets its own, as over SFTP.
      onFileDone: (stored, bytes) => {
        if (posix.normalize(stored) !== posix.normalize(target)) ctx.log(`${ctx.who} stored ${escapeForTerminal(ctx.jail.display(stored))} ${bytes} bytes`);
      },
      // Checked again for every file and directory: the client may have
      // moved a symlink into the path since (an SFTP rename in another session).
      guard: sinkGuard(ctx.jail),
      hold: (exclusive) => ctx.jail.names.hold(exclusive),
    });
  } catch (err) {
    return saidOf(err).map((text) => namedFromGiven(ctx.jail.hideRoot(text), ctx.jail.display(target), path));
  }
}

// `err` about the target itself (a directory on its way not there) names it
// as the client gave it, as OpenSSH's scp -t does (`backup/x: No such file…`,
// not `/backup/x`): scpipe's put and cp look for that to say how to make it.
function namedAsGiven(err: unknown, shown: string, given: string): Said {
  const prefix = `${escapeForTerminal(shown)}: `;
  if (!isScpipeError(err, 'ERR_LOCAL_IO') || err.path !== shown || !err.message.startsWith(prefix)) return saidOf(err);
  return said`${given}: ${Said.plain(err.message.slice(prefix.length))}`;
}

// The local sink as the client sees it: paths in its messages are shown from
// the root (Jail.hideRoot), and each chunk written is counted for the log.
// One wrapper, so an uploaded chunk costs one extra call.
export function clientViewSink(inner: SinkHandler, hide: (text: string) => string, count: (bytes: number) => void): SinkHandler & { recordSeen(): boolean; filesStored(): number } {
  let seen = false;
  let stored = 0;
  return {
    recordSeen: () => seen,
    filesStored: () => stored,
    openFile: async (file, times, depth) => {
      seen = true;
      const w = await inner.openFile(file, times, depth);
      if ('error' in w) return { error: asSaid(w.error).map(hide) };
      const shown: FileWriter = {
        write: (chunk) => {
          count(chunk.length);
          return w.write(chunk);
        },
        finish: async (result) => {
          const message = await w.finish(result);
          if (message === undefined) stored++;
          return message === undefined ? undefined : asSaid(message).map(hide);
        },
        abort: () => w.abort(),
      };
      return shown;
    },
    enterDirectory: async (dir, times, depth) => {
      seen = true;
      const refused = await inner.enterDirectory(dir, times, depth);
      return refused && { error: asSaid(refused.error).map(hide) };
    },
    leaveDirectory: (depth) => inner.leaveDirectory(depth),
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}
