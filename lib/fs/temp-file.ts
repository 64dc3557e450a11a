// The private temp file a received file is written to before it replaces the
// real name (local-sink.ts): `.<name>.scpipe-XXXXXX` in the same directory,
// so the final rename() is atomic and never crosses a filesystem.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openFd } from './fd';
import { errnoCode } from './strerror';

const NAME_MAX = 255;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomSuffix(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** A temp-file name next to `finalPath`, short enough for NAME_MAX. */
export function tempPathFor(finalPath: string): string {
  const name = `.${basename(finalPath)}.scpipe-${randomSuffix(6)}`;
  const safe = Buffer.byteLength(name) <= NAME_MAX ? name : `.scpipe-${randomSuffix(12)}`;
  return join(dirname(finalPath), safe);
}

/**
 * Creates the temp file: O_EXCL (never an existing file, never through a
 * symlink), O_NOFOLLOW, mode 0600 so nobody else reads a half-received file.
 * Retries a few names if one is taken. Resolves to its path and fd.
 */
export async function createTempFile(finalPath: string): Promise<{ path: string; fd: number }> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  for (let attempt = 0; ; attempt++) {
    const path = tempPathFor(finalPath);
    try {
      return { path, fd: await openFd(path, flags, 0o600) };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST' || attempt >= 8) throw err;
    }
  }
}
