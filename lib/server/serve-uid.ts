// A file serve's own user may not read or make (a key file root kept at
// 0600, a state directory under a home it cannot write) fails as plain
// "Permission denied", which reads as a fault of the file when the fix is
// to give it to the service user: say which uid that is.
import { errnoCode } from '../fs/strerror';

/** ` (to uid N, which serve runs as)` after a permission error, else ''. */
export function deniedToServe(err: unknown, uid = process.getuid?.()): string {
  return errnoCode(err) === 'EACCES' && uid !== undefined ? ` (to uid ${uid}, which serve runs as)` : '';
}
