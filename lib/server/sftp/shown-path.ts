// How a client's path is named to it and in the log: from the root, `.` and
// `..` resolved, so a status and its log line name a file alike.
import { posix } from 'node:path';
import { Said } from '../../util/said';

/** The client's view of `clientPath`, from the root (escaped in its shown form). */
export function shownPath(clientPath: string): Said {
  return Said.raw(posix.resolve('/', clientPath));
}
