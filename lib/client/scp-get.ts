// One remote file over one SCP channel (`scp -f`): the sink role runs in the
// background, and the download resolves as soon as the file's header
// arrives, its body ending only after the remote confirmed the data and
// exited 0. get() and everything that reads a remote file over SCP (a parts
// set's parts and manifest, a read-back, a look for a file) start here.
import { ScpipeError, abortError, asScpipeError, throwIfAborted } from '../errors';
import type { ExitStatus } from '../protocol/channel';
import { remoteScpCommand } from '../protocol/command';
import { NameMatcher, requireRemoteBasename } from '../protocol/names';
import { unreadRestNote } from '../protocol/session-errors';
import { formatMode } from '../protocol/records';
import { ScpSink } from '../protocol/sink';
import type { FileWriter, SinkHandler } from '../protocol/sink-types';
import { escapeForTerminal } from '../util/escape';
import { linkedController, onAbort } from '../util/abort';
import { BodyStream } from './body-stream';
import type { OpenChannel } from './connection';
import type { Download, GetOptions } from './get-types';

/** Starts downloading `remotePath` through a channel that `open` starts. */
export async function getOverChannel(
  open: OpenChannel,
  remotePath: string,
  opts: GetOptions = {},
): Promise<Download> {
  throwIfAborted(opts.signal);
  requireRemoteBasename(remotePath, 'a file');
  const command = remoteScpCommand('source', remotePath, opts);
  const { controller: inner, unlink } = linkedController(opts.signal);

  return new Promise<Download>((resolve, reject) => {
    let download: Download | undefined;
    // Assigned below, before any file can arrive (open() is asynchronous).
    let done: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
    let unwatch = (): void => undefined;
    let whole = false; // the source confirmed the file's data (its \0 after it)
    const handler: SinkHandler = {
      openFile: async (file, times) => {
        // One file only: the sink refuses a second one first (maxTopLevel: 1, no -r).
        const body = new BodyStream();
        // An abort ends the body at once: the sink may be waiting for a consumer that stopped reading.
        // Once the data was confirmed whole it ends it as complete: only the exit status was awaited.
        unwatch = onAbort(inner.signal, () => (whole ? body.finish() : body.destroy(abortError(opts.signal))));
        opts.trace?.(`receiving ${escapeForTerminal(file.name)}: ${file.size} bytes, mode ${formatMode(file.mode)}`);
        let received = 0n;
        const progress = (): void => opts.onProgress?.({ name: file.name, phase: 'transfer', bytes: received, total: file.size });
        progress();
        const writer: FileWriter = {
          write: async (chunk) => {
            // A consumer that destroyed the body wants no more: the sink stops the channel, as over SFTP.
            if (body.destroyed) throw inner.signal.aborted ? abortError(opts.signal) : new ScpipeError('ERR_LOCAL_IO', 'the download was not read to its end');
            received += BigInt(chunk.length);
            progress();
            await body.write(chunk);
          },
          finish: async ({ ok, sourceError }) => {
            // Already escaped. The bytes before it went out: the message says they are not the file.
            if (!ok) body.destroy(new ScpipeError('ERR_REMOTE', sourceError === undefined ? 'remote: transfer failed' : `remote: ${sourceError} ${unreadRestNote(sourceError)}`, { remoteMessage: sourceError }));
            else whole = received === file.size;
            return undefined;
          },
          abort: async () => undefined, // the session's error reaches the body below
        };
        download = { name: file.name, size: file.size, mode: file.mode, times, body, done, protocol: 'scp' };
        resolve(download);
        return writer;
      },
      enterDirectory: async (dir) => ({ error: `${dir.name}: is a directory` }),
      leaveDirectory: async () => undefined,
    };
    done = (async () => {
      const channel = await open(command, inner.signal, 'source');
      const sink = new ScpSink(channel, handler, {
        ...opts,
        signal: inner.signal,
        recursive: false,
        matcher: opts.strictNames === false ? undefined : new NameMatcher(remotePath, { glob: opts.quote === 'none' }),
        maxTopLevel: 1,
        namesAsBytes: true, // matched against the path asked for, as its bytes
      });
      const status = await sink.run().catch((err: unknown) => Promise.reject(asScpipeError(err)));
      if (!download) throw new ScpipeError('ERR_REMOTE', `the remote sent no file for "${escapeForTerminal(remotePath)}"`);
      return status;
    })();
    done
      .then(
        () => download?.body.finish(),
        (err: unknown) => {
          const e = opts.signal?.aborted ? abortError(opts.signal) : asScpipeError(err);
          if (download && !(whole && opts.signal?.aborted)) download.body.destroy(e);
          else reject(e);
        },
      )
      .finally(() => {
        unwatch();
        unlink();
      });
  });
}
