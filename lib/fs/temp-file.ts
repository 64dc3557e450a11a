// The private temp file a received file is written to before it replaces the
// real name (local-sink.ts): `.<name>.scpipe-<pid>-<random>` in the same
// directory, so the final rename() is atomic and never crosses a filesystem.
// tmp-promise makes it (O_CREAT|O_EXCL: never an existing file, never through
// a symlink; mode 0600, so nobody else reads a half-received file).
import { basename, dirname } from 'node:path';

const NAME_MAX = 255;
// What tmp adds to the prefix: `-<pid>-` and 12 random characters.
const TMP_PART = `-${process.pid}-`.length + 12;

// The tmp prefix for a temp file next to `finalPath`: its name, unless that
// is too long for NAME_MAX or makes a `..` (a dot file), which tmp refuses.
function tempPrefixFor(finalPath: string): string {
  const prefix = `.${basename(finalPath)}.scpipe`;
  return Buffer.byteLength(prefix) + TMP_PART <= NAME_MAX && !prefix.includes('..') ? prefix : '.scpipe';
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
 * Creates the temp file beside `finalPath`, trying a few names if one is
 * taken. Resolves to its path (in the directory's real path) and an fd the
 * caller owns and closes.
 */
export async function createTempFile(finalPath: string): Promise<{ path: string; fd: number }> {
  // Loaded on first use: a put, which never writes a local file, does not pay its start-up.
  const { file } = await import('tmp-promise');
  // `tmpdir`, not `dir`: tmp refuses a `dir` outside os.tmpdir().
  const { path, fd } = await file({
    tmpdir: dirname(finalPath),
    prefix: tempPrefixFor(finalPath),
    mode: 0o600,
    tries: 8,
    keep: true, // removed or renamed by OutputFile; keeps tmp's global list from growing
    detachDescriptor: true, // the fd is closed by OutputFile
  });
  return { path, fd };
}
