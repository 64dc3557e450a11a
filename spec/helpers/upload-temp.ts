// An SFTP upload's temporary file (`.NAME.scpipe-XXXXXX` beside the target),
// as the tests of a cut or stalled upload wait for it.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { waitFor } from './async';

/** Waits until the upload of `name` into `dir` has bytes in its temporary file; that file's name. */
export async function tempWithBytes(dir: string, name: string, ms = 20_000): Promise<string> {
  let temp: string | undefined;
  await waitFor(async () => {
    temp = (await readdir(dir)).find((n) => n.startsWith(`.${name}.scpipe-`));
    return temp !== undefined && (await stat(join(dir, temp))).size > 0;
  }, 'the first bytes stored', ms);
  return temp!;
}

/** An upload's input: 1 MiB, then nothing, the stream left open (destroy it after). */
export function stallingInput(): Readable {
  const input = new Readable({ read() {} });
  input.push(Buffer.alloc(1024 * 1024, 5));
  return input;
}
