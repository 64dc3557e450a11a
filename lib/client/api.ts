// The library's entry points over SSH: take an ssh2 Client or connection
// options, run the SCP role, and close what they opened.
import type { Readable } from 'node:stream';
import { ChannelOpener, type Target } from './connection';
import { putOverChannel, type PutInput, type PutOptions, type PutResult } from './put';
import { getOverChannel, type Download, type GetOptions } from './get';

/**
 * Uploads `input` (a Readable, an async iterable of bytes, or a Buffer) to
 * `remotePath` through a remote `scp -t`. Spools only when the size is unknown.
 *
 *     await put({ host: 'vault', user: 'backup' }, 'db.dump.zst', stream, { signal });
 */
export async function put(target: Target, remotePath: string, input: PutInput | Readable, opts: PutOptions = {}): Promise<PutResult> {
  const opener = new ChannelOpener(target, opts.trace);
  try {
    return await putOverChannel(opener.open, remotePath, input, opts);
  } finally {
    opener.close();
  }
}

/**
 * Downloads one remote file through a remote `scp -f`. Resolves when its
 * header arrives, with its size and mode and a Readable `body` that ends only
 * once the transfer is verified (and errors otherwise).
 */
export async function get(target: Target, remotePath: string, opts: GetOptions = {}): Promise<Download> {
  const opener = new ChannelOpener(target, opts.trace);
  try {
    const download = await getOverChannel(opener.open, remotePath, opts);
    download.done.then(() => opener.close(), () => opener.close());
    return download;
  } catch (err) {
    const explained = await opener.explain(err);
    opener.close();
    throw explained;
  }
}
