// The private temp file a received file is written to before it replaces the
// real name (local-sink.ts): `.<name>.scpipe-<pid>-<random>` in the same
// directory, so the final rename() is atomic and never crosses a filesystem.
// Made with O_CREAT|O_EXCL (never an existing file, never through a symlink)
// and mode 0600, so nobody else reads a half-received file. Not by tmp, whose
// realpath() of the directory would name it by path again (dir-handle.ts).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { basename, dirname } from 'node:path';
import { toBytes } from '../util/byte-text';
import { openFd } from './fd';
import { joinName } from './join-name';
import { errnoCode } from './strerror';

const EXCLUSIVE = constants.O_CREAT | constants.O_EXCL | constants.O_RDWR;

const NAME_MAX = 255;
// What is added to the prefix: `-<pid>-` and 12 random characters.
const TMP_PART = `-${process.pid}-`.length + 12;

// The prefix of a temp file next to `finalPath`: its name, unless that is too
// long for NAME_MAX or makes a `..` (a dot file), which tmp refused. Counted
// in the bytes it stands for: a byte that is not UTF-8 is one (byte-text.ts).
function tempPrefixFor(finalPath: string): string {
  const prefix = `.${basename(finalPath)}.scpipe`;
  return toBytes(prefix).length + TMP_PART <= NAME_MAX && !prefix.includes('..') ? prefix : '.scpipe';
}

/**
 * Whether `name` (in `finalPath`'s directory) is a temp file createTempFile()
 * made for `finalPath`: `<prefix>-<pid>-<12 of [0-9A-Za-z]>`. False for every
 * name when the prefix is the shared `.scpipe` (a name too long to tell).
 */
export function isTempNameFor(name: string, finalPath: string): boolean {
  const prefix = tempPrefixFor(finalPath);
  if (prefix === '.scpipe' || !name.startsWith(`${prefix}-`)) return false;
  return /^\d+-[0-9A-Za-z]{12}$/.test(name.slice(prefix.length + 1));
}

/** The PID in a name createTempFile() may have made (`.NAME.scpipe-PID-XXXXXXXXXXXX`), or undefined. */
export function tempFilePid(name: string): number | undefined {
  const m = /^\.(?:.+\.)?scpipe-(\d+)-[0-9A-Za-z]{12}$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Creates the temp file beside `finalPath` (in the directory of `where`, the
 * path to use in calls: dir-handle.ts), trying a few names if one is taken.
 * Resolves to its path there and an fd the caller owns and closes.
 */
export async function createTempFile(finalPath: string, where = finalPath): Promise<{ path: string; fd: number }> {
  const dir = dirname(where);
  const prefix = tempPrefixFor(finalPath);
  for (let tries = 1; ; tries++) {
    const path = joinName(dir, `${prefix}-${process.pid}-${randomChars(12)}`);
    try {
      return { path, fd: await openFd(path, EXCLUSIVE, 0o600) };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST' || tries >= 8) throw err;
    }
  }
}

// tmp's alphabet, so isTempNameFor() knows the names of earlier versions too.
function randomChars(n: number): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
}
