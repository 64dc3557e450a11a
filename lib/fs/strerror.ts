// Error wording for local filesystem failures. OpenSSH reports them as
// `"%s: %s", path, strerror(errno)` (docs/protocol.md §4.1 step 4, §4.3), and
// users and scripts know glibc's phrases ("No such file or directory"), while
// Node's messages come from libuv and differ for some codes ("illegal
// operation on a directory" for EISDIR). So we map the codes we meet.
// The spool keeps libuv's phrases (describeIoError): its messages are its own.

const GLIBC: Record<string, string> = {
  EACCES: 'Permission denied',
  EADDRINUSE: 'Address already in use', // serve's listen
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAGAIN: 'Resource temporarily unavailable',
  EBADF: 'Bad file descriptor',
  EBUSY: 'Device or resource busy',
  EDQUOT: 'Disk quota exceeded',
  EEXIST: 'File exists',
  EFBIG: 'File too large',
  EINVAL: 'Invalid argument',
  EIO: 'Input/output error',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  EMFILE: 'Too many open files',
  ENAMETOOLONG: 'File name too long',
  ENFILE: 'Too many open files in system',
  ENODEV: 'No such device',
  ENOENT: 'No such file or directory',
  ENOSPC: 'No space left on device',
  ENOTDIR: 'Not a directory',
  ENOTEMPTY: 'Directory not empty',
  ENXIO: 'No such device or address',
  EPERM: 'Operation not permitted',
  EPIPE: 'Broken pipe',
  EROFS: 'Read-only file system',
  ETXTBSY: 'Text file busy',
  EXDEV: 'Invalid cross-device link',
};

/** The errno code of a Node system error (`ENOENT`), if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** strerror()-style text for `err`: "No such file or directory". */
export function strerror(err: unknown): string {
  const code = errnoCode(err);
  if (code !== undefined && GLIBC[code] !== undefined) return GLIBC[code];
  return describeIoError(err);
}

/**
 * libuv's phrase for `err`, without errno code or syscall:
 * "ENOSPC: no space left on device, write" -> "No space left on device".
 * Any other message is returned as it is.
 */
export function describeIoError(err: unknown): string {
  if (typeof err !== 'object' || err === null || !('message' in err)) return String(err);
  const { message } = err as { message?: unknown };
  const text = typeof message === 'string' ? message : String(message);
  const phrase = /^E[A-Z0-9]+: ([^,]+)/.exec(text)?.[1]!.trim();
  if (phrase) return phrase.charAt(0).toUpperCase() + phrase.slice(1);
  return text || (errnoCode(err) ?? 'unknown error');
}

/** OpenSSH's `"%s: %s", path, strerror(errno)`. */
export function pathError(path: string, err: unknown): string {
  return `${path}: ${strerror(err)}`;
}
