// `get --output FILE`: a download stored where a received file would be
// (open-output.ts: a device is written in place, a file through a private
// temp file renamed once verified), so a partial download never replaces
// the file, and its bytes are counted against the announced size.
import { pipeline } from 'node:stream/promises';
import { ScpipeError } from '../errors';
import { openOutputFile } from '../fs/open-output';
import type { OutputFile } from '../fs/output-file';
import { resolveTarget } from '../fs/target';
import type { Download } from './get';
import type { SumCheck } from './sum-check';

/**
 * Writes `download`'s body to `path` (a symlink the caller gave is followed,
 * as `cp host:f link` does) and resolves once it is verified and in place.
 * `preserve`: the announced mode exactly, and the times (get's `preserve`).
 * `check`: fed every byte, and asked before the file takes its name.
 */
export async function saveDownload(download: Download, path: string, opts: { preserve?: boolean; check?: SumCheck } = {}): Promise<void> {
  const preserve = Boolean(opts.preserve);
  let file: OutputFile;
  try {
    file = await openOutput(download, path, preserve);
  } catch (err) {
    download.body.destroy(); // nobody will read it
    throw err;
  }
  try {
    // A write error (ENOSPC) stops the download: OutputFile would drop the rest.
    await pipeline(download.body, async (body: AsyncIterable<Buffer>) => {
      for await (const chunk of body) {
        opts.check?.update(chunk);
        await file.write(chunk);
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
  if (problem !== undefined) throw new ScpipeError('ERR_LOCAL_IO', problem, { path });
}

async function openOutput(download: Download, output: string, preserve: boolean): Promise<OutputFile> {
  const target = await resolveTarget(output);
  const path = target.isDirectory ? output : target.path;
  const opened = await openOutputFile(path, {
    size: download.size,
    mode: download.mode & 0o777,
    preserve,
    times: preserve ? download.times : undefined,
    umask: process.umask(),
  });
  if ('error' in opened) throw new ScpipeError('ERR_LOCAL_IO', opened.error, { path: output });
  return opened;
}
