// A local file a run writes once its transfer is done (--output,
// --checksum-file): checked before connecting, so that a missing or
// read-only directory fails at once, not after hours of transfer.
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { ScpipeError, escapeForTerminal } from '../lib';
import { byteFs, describeIoError, followLinks, plantedDetail, strerror } from '../lib/internal';

/** ERR_USAGE for an empty name, ERR_LOCAL_IO when `file`'s directory cannot take it; else whether `file` is a directory now, or a device or FIFO written in place. */
export async function checkFileToWrite(option: string, file: string): Promise<{ isDirectory: boolean; inPlace: boolean }> {
  // `--output="$OUT"` with OUT unset: no file could take that name, and it failed only after the transfer.
  if (file === '') throw new ScpipeError('ERR_USAGE', `${option} is empty: give a file name`);
  const dir = dirname(file);
  // A device or FIFO (/dev/stderr, a named pipe) is written in place: its own mode counts, not its directory's.
  const inPlace = await byteFs.stat(file).then((st) => !st.isFile() && !st.isDirectory(), () => false);
  await byteFs.access(inPlace ? file : dir, constants.W_OK).catch((err: NodeJS.ErrnoException) => {
    throw new ScpipeError('ERR_LOCAL_IO', `${option} ${escapeForTerminal(file)}: ${inPlace ? '' : `${escapeForTerminal(dir)}: `}${describeIoError(err)}`, { path: file });
  });
  // Another user's link at the name in /tmp (planted.ts) is refused at the end: said now.
  await followLinks(file).catch((err: unknown) => {
    const planted = plantedDetail(err);
    if (planted !== undefined) throw new ScpipeError('ERR_LOCAL_IO', `${option} ${escapeForTerminal(file)}: not followed: ${escapeForTerminal(planted)}`, { path: file });
  });
  // A name too long (ENAMETOOLONG even where nothing is there yet) is said now, not at the end.
  const st = await byteFs.stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENAMETOOLONG') return undefined;
    throw new ScpipeError('ERR_LOCAL_IO', `${option} ${escapeForTerminal(file)}: ${strerror(err)}`, { path: file });
  });
  return { isDirectory: Boolean(st?.isDirectory()), inPlace };
}
