// `get --output FILE`: a download stored where a received file would be
// (open-output.ts: a device is written in place, a file through a private
// temp file renamed once verified), so a partial download never replaces
// the file, and its bytes are counted against the announced size.
import { pipeline } from 'node:stream/promises';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { openOutputFile } from '../fs/open-output';
import type { OutputFile } from '../fs/output-file';
import { resolveTarget } from '../fs/target';
import { closeFd } from '../fs/fd';
import type { Download } from './get-types';
import type { SumCheck } from './sum-check';
import type { KeptOutput } from './kept-output';
import { replyPool } from '../sftp/reply-pool';

/**
 * Writes `download`'s body to `path` (a symlink the caller gave is followed,
 * as `cp host:f link` does) and resolves once it is verified and in place.
 * `preserve`: the announced mode exactly, and the times (get's `preserve`).
 * `check`: fed every byte, and asked before the file takes its name.
 */
export function saveDownload(download: Download, path: string, opts: { preserve?: boolean; check?: SumCheck } = {}): Promise<void> {
  return saveDownloadTo(download, path, opts);
}

/**
 * saveDownload(), and `kept`: the file of a resumed restore (get-to.ts), its body written after the bytes kept;
 * `reuseChunks`: each chunk given back once written (reply-pool.ts).
 */
export async function saveDownloadTo(download: Download, path: string, opts: { preserve?: boolean; check?: SumCheck; kept?: KeptOutput; reuseChunks?: boolean }): Promise<void> {
  const preserve = Boolean(opts.preserve);
  let file: OutputFile;
  try {
    file = await openOutput(download, path, preserve, opts.kept);
  } catch (err) {
    download.body.destroy(); // nobody will read it
    await opts.kept?.close();
    throw err;
  }
  try {
    // A write error (ENOSPC) stops the download: OutputFile would drop the rest.
    await pipeline(download.body, async (body: AsyncIterable<Buffer>) => {
      for await (const chunk of body) {
        opts.check?.update(chunk);
        await file.write(chunk, opts.reuseChunks ? () => replyPool.giveBack(chunk) : undefined);
        if (file.failed) return;
      }
    }).catch((err: unknown) => {
      if (!file.failed) throw err;
    });
    if (!file.failed) await download.done;
    if (!file.failed) await opts.check?.verify();
  } catch (err) {
    await file.abort();
    throw err;
  }
  const problem = await file.finish({ ok: true });
  // The data is in place, only -p's mode or times are not: said so, with `stored` (exit 1 all the same, as scp -p and cp -p).
  if (file.unkept) throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(path)}: stored, but -p could not keep ${file.unkept.what}: ${file.unkept.why}`, { path, stored: true });
  // The sink's words name the path as given: a name that is not UTF-8 is shown as \xNN.
  if (problem !== undefined) throw new ScpipeError('ERR_LOCAL_IO', escapeForTerminal(problem), { path, cause: file.writeFailure });
}

async function openOutput(download: Download, output: string, preserve: boolean, kept?: KeptOutput): Promise<OutputFile> {
  const target = await resolveTarget(output);
  const taken = kept?.fd === undefined ? undefined : kept.take();
  const path = target.isDirectory ? output : target.path;
  const opened = await openOutputFile(path, {
    size: download.size,
    mode: download.mode & 0o777,
    preserve,
    times: preserve ? download.times : undefined,
    umask: process.umask(),
    kept: taken,
  });
  if ('error' in opened && taken !== undefined) await closeFd(taken.fd).catch(() => undefined); // no file took it
  if ('error' in opened) throw new ScpipeError('ERR_LOCAL_IO', escapeForTerminal(opened.error), { path: output });
  return opened;
}
