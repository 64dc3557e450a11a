// --append-only: the intent to make an upload's temporary file, on disk
// (fsynced) before the file is made. A crash between making the file and
// writing its owner's record (owner-records.ts) then leaves the intent,
// which the next start turns into the record: without it the file would
// have no owner on record, and the first key to come would take it. One
// file per attempt (`<record>.<pid>.<n>.pending`), so two sessions that
// want one name never write over each other's.
import { constants } from 'node:fs';
import { open, readFile, unlink } from '../../fs/byte-fs';
import { processRuns } from '../../util/process-runs';
import { RECORD_MAX_BYTES } from './record-file';

/** What an intent names: the file's path under the root and the login that makes it. */
export interface Intent {
  path: string;
  login: string;
}

/** The owner of a file made at once by two logins that both crashed: no login is it, so every one is refused. */
export const NO_ONE = 'no one (two logins made it at once, then serve stopped)';

const SUFFIX = '.pending';
// An intent is a line of JSON naming a path, as a record is: a path of
// PATH_MAX bytes escaped takes up to the same bound (record-file.ts).
const INTENT_MAX_BYTES = RECORD_MAX_BYTES;
let written = 0;

/** Writes the intent `intent` as a new file in `dir` beside its record `record`, fsynced; its path. */
export async function writeIntent(dir: string, record: string, intent: Intent): Promise<string> {
  const file = `${dir}/${record}.${process.pid}.${++written}${SUFFIX}`;
  const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(`${JSON.stringify({ path: intent.path, login: intent.login })}\n`);
    await fh.sync();
  } catch (err) {
    await unlink(file).catch(() => undefined);
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
  return file;
}

/** Removes an intent: its file was made and put on record, or not made. One left by a crash goes at the next start. */
export async function dropIntent(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/**
 * For a name in the state directory: the record an intent is of, when it is
 * one of a serve no longer running (this one's, left from before, counts); a
 * running serve's (another on the same state directory) is being acted on.
 */
export function intentOfKilled(name: string): string | undefined {
  const m = /^([0-9a-f]+\.owner)\.(\d+)\.\d+\.pending$/.exec(name);
  if (m === null) return undefined;
  const pid = Number(m[2]);
  return pid === process.pid || !processRuns(pid) ? m[1] : undefined;
}

/** Whether a name in the state directory is an intent's, of any serve. */
export function isIntent(name: string): boolean {
  return name.endsWith(SUFFIX);
}

/** The intent in `file`, or undefined when it is not one (cut short by a crash: its file was never made). */
export async function readIntent(file: string): Promise<Intent | undefined> {
  const text = await readFile(file).then((b) => b.toString('utf8'), () => '');
  if (text.length === 0 || text.length > INTENT_MAX_BYTES) return undefined;
  try {
    const r = JSON.parse(text) as Partial<Intent>;
    return typeof r.path === 'string' && typeof r.login === 'string' ? { path: r.path, login: r.login } : undefined;
  } catch {
    return undefined;
  }
}
