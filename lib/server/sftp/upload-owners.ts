// --append-only: which login (its key) made each upload's temporary file, so
// that only a session of the same login may write into it again, change it
// or store it. A resume reconnects with the client's own key and goes on; a
// client with another key, which can list the name, is refused. Kept in
// memory, process-wide as the files are: after a restart the first login to
// go on with one owns it (a resume across it still works), and one key
// shared by every client tells them not apart.
import { refused } from './append-only';

const owners = new Map<string, string>();
// Bounded: past it the oldest uploads in progress become anyone's, as after a restart.
const REMEMBERED = 65_536;

/** Records that `login` made the upload's file `key` (store-guard.ts fileKey()). */
export function claimUpload(key: string, login: string): void {
  if (owners.size >= REMEMBERED && !owners.has(key)) owners.delete(owners.keys().next().value!);
  owners.set(key, login);
}

/** Refuses `login` an upload's file that another login made. */
export function refuseOthersUpload(key: string, login: string, clientPath: string): void {
  const owner = owners.get(key);
  if (owner !== undefined && owner !== login) throw refused(clientPath, 'it is an upload in progress of another login (another key), and only its own may go on with it');
}

/**
 * Refuses `login` an upload's file that another login made; one no login is
 * remembered for (made before a restart) becomes the first one's that goes
 * on with it, its own client resuming as a rule.
 */
export function goOnWithUpload(key: string, login: string, clientPath: string): void {
  refuseOthersUpload(key, login, clientPath);
  if (!owners.has(key)) claimUpload(key, login);
}

/** Forgets the file `key`: stored under its name, it is no one's upload any more. */
export function forgetUpload(key: string): void {
  owners.delete(key);
}
