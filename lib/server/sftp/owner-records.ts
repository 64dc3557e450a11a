// --append-only's owners of uploads in progress, on disk: one small file per
// upload's temporary file in serve's state directory (state-dir.ts), which
// names the file (its path under the root and its inode: the device number
// may change at a reboot) and the login that
// made it. Written whole (a temporary name, fsync, rename, fsync of the
// directory) before the open that made the file is answered, so that after
// a restart or a crash the file is still its own client's only. Removed when
// the file is stored or removed; read at start, when a record whose file is
// gone, or is another file now, is removed. The intent to make the file goes
// on disk before it is made (owner-intents.ts), and becomes its record at
// start if a crash came first.
import { createHash } from 'node:crypto';
import { lstat, open, readdir, readFile, rename, unlink } from '../../fs/byte-fs';
import { toBytes } from '../../util/byte-text';
import { processRuns } from '../../util/process-runs';
import { errnoCode } from '../../fs/strerror';
import { basename, isAbsolute, join } from 'node:path';
import { isUploadTempName } from '../../fs/store-new';
import { fileKey } from './store-guard';
import { NO_ONE, dropIntent, intentOfKilled, isIntent, readIntent, writeIntent, type Intent } from './owner-intents';

/** How many uploads in progress are kept on record at most: at 4 KiB a file, 64 MiB of disk. */
const RECORDS_MAX = 16_384;

/** How many of them one login (one key) may hold by default: a sixteenth, so one client cannot take them all. */
export const RECORDS_PER_LOGIN_MAX = 1_024;

/** One upload's temporary file and its owner. */
export interface OwnerRecord {
  /** Its path under the root. */
  path: string;
  ino: number;
  /** The login that made it: `key SHA256:…` or `user NAME`. */
  login: string;
}

/** What start() found. */
export interface RecordsFound {
  records: OwnerRecords;
  /** Records of files still there, with their file's key (store-guard.ts fileKey()). */
  kept: Array<OwnerRecord & { key: string }>;
  /** Records removed: their file is gone or is another file. */
  stale: number;
  /** Files made just before a crash that wrote their intent but not their record: on record now. */
  recovered: number;
  /**
   * Stores cut short by a crash between link() and unlink() (store-new.ts):
   * the temporary name, a second name of the file stored, is removed.
   */
  finished: number;
}

const SUFFIX = '.owner';
// A record is a line of JSON; anything longer was not written by serve. Its
// path may take PATH_MAX (4096) bytes, each written as 6 characters where
// JSON escapes it (a control character; a byte that is not UTF-8, `\udcNN`):
// a shorter bound read a deep Latin-1 path's record as none, its upload as
// anyone's.
const RECORD_MAX_BYTES = 6 * 4096 + 4096;

/** The records of one root in `dir` (prepareStateDir()'s answer). */
export class OwnerRecords {
  private writes = 0;
  // Records being written, and how many writes of each: not yet on disk, never swept.
  private readonly writing = new Map<string, number>();
  // Records on disk by name, with their login; and how many each login holds, so that a cap per key costs no scan.
  private readonly names = new Map<string, string>();
  private readonly perLogin = new Map<string, number>();
  private constructor(private readonly dir: string, private readonly root: string, readonly max: number) {}

  /** Reads every record in `dir`, removing those whose file is gone or is another file now. */
  static async start(dir: string, root: string, max = RECORDS_MAX): Promise<RecordsFound> {
    const records = new OwnerRecords(dir, root, max);
    const found: RecordsFound = { records, kept: [], stale: 0, recovered: 0, finished: 0 };
    const intents = new Map<string, string[]>(); // by record: the files of intents of serves not running
    for (const name of await readdir(dir)) {
      if (isIntent(name)) {
        const record = intentOfKilled(name);
        if (record !== undefined) intents.set(record, [...(intents.get(record) ?? []), join(dir, name)]);
        continue;
      }
      // A record whose write was cut short (its temporary name): never answered, so never relied on.
      // Unless its serve still runs (another on the same state directory): then it is being written.
      if (!name.endsWith(SUFFIX)) {
        if (isTempOfKilled(name)) await unlink(join(dir, name)).catch(() => undefined);
        continue;
      }
      const record = await records.read(name);
      const there = record && (await records.stillThere(record));
      if (record && typeof there === 'object') {
        records.add(name, record.login);
        found.kept.push({ ...record, key: there.key });
        continue;
      }
      // Stored, but for the removal of its temporary name: finished now, so its client's retry finds it stored.
      if (record && there === 'linked' && (await unlink(join(root, record.path)).then(() => true, () => false))) found.finished++;
      else found.stale++;
      await unlink(join(dir, name)).catch(() => undefined);
    }
    for (const [name, files] of intents) {
      if (!records.names.has(name)) await records.recover(name, files, found);
      for (const file of files) await dropIntent(file);
    }
    return found;
  }

  // The file that intents (of serves since stopped) were to make, put on
  // record when it was made: it is their login's, or no one's when two
  // logins each meant to make it (two serves on this state directory).
  private async recover(name: string, files: string[], found: RecordsFound): Promise<void> {
    const intents = (await Promise.all(files.map(readIntent))).filter((i): i is Intent => i !== undefined && recordName(i.path) === name);
    if (intents.length === 0) return;
    const path = intents[0]!.path;
    const there = await this.stillThere({ path, ino: -1, login: '' });
    if (there !== 'other') return; // not made, or no upload's file to keep
    const st = await lstat(join(this.root, path));
    const logins = new Set(intents.map((i) => i.login));
    const login = logins.size === 1 ? intents[0]!.login : NO_ONE;
    await this.write({ path, ino: st.ino, login });
    found.kept.push({ path, ino: st.ino, login, key: fileKey(st) });
    found.recovered++;
  }

  /**
   * Puts on disk, fsynced, that `intent.login` is about to make the file at
   * `intent.path`; resolves with what removes it once that is done or failed.
   */
  async intend(intent: Intent): Promise<() => Promise<void>> {
    const file = await writeIntent(this.dir, recordName(intent.path), intent);
    try {
      await this.syncDir();
    } catch (err) {
      await dropIntent(file);
      throw err;
    }
    return () => dropIntent(file);
  }

  /** Removes the records of files gone meanwhile (removed by serve's own account); the paths they named. */
  async sweep(): Promise<string[]> {
    const gone: string[] = [];
    for (const name of [...this.names.keys()]) {
      // Not on disk yet: read as none, it was dropped, and its record, landing after, unlinked.
      if (this.writing.has(name)) continue;
      const record = await this.read(name);
      if (record && typeof (await this.stillThere(record)) === 'object') continue;
      this.drop(name);
      await unlink(join(this.dir, name)).catch(() => undefined);
      if (record) gone.push(record.path);
    }
    return gone;
  }

  /** Records on disk. */
  get size(): number {
    return this.names.size;
  }

  /** Whether a record may be added (RECORDS_MAX). */
  hasRoom(): boolean {
    return this.names.size < this.max;
  }

  /** Records held by `login` (the uploads in progress of one key). */
  heldBy(login: string): number {
    return this.perLogin.get(login) ?? 0;
  }

  // A record counted, under its login; one of the same name counted before moves to this login.
  private add(name: string, login: string): void {
    this.drop(name);
    this.names.set(name, login);
    this.perLogin.set(login, this.heldBy(login) + 1);
  }

  private drop(name: string): void {
    const login = this.names.get(name);
    if (login === undefined) return;
    this.names.delete(name);
    const left = this.heldBy(login) - 1;
    if (left > 0) this.perLogin.set(login, left);
    else this.perLogin.delete(login);
  }

  /** Writes the record of `rec` and makes it durable; replaces one of the same path. */
  async write(rec: OwnerRecord): Promise<void> {
    const name = recordName(rec.path);
    // Counted at once, before any await: hasRoom() then sees it for every claim checked meanwhile.
    const before = this.names.get(name);
    this.add(name, rec.login);
    this.writing.set(name, (this.writing.get(name) ?? 0) + 1);
    try {
      await this.writeFile(name, rec);
    } catch (err) {
      this.drop(name);
      if (before !== undefined) this.add(name, before);
      throw err;
    } finally {
      const left = this.writing.get(name)! - 1;
      if (left === 0) this.writing.delete(name);
      else this.writing.set(name, left);
    }
  }

  private async writeFile(name: string, rec: OwnerRecord): Promise<void> {
    const tmp = join(this.dir, `${name}.${process.pid}.${++this.writes}.tmp`); // two writes of one record may overlap
    const line = Buffer.from(`${JSON.stringify({ path: rec.path, ino: rec.ino, login: rec.login })}\n`);
    // One that read() would take for none must not be answered as kept.
    if (line.length > RECORD_MAX_BYTES) throw new Error(`the record would take ${line.length} bytes, more than ${RECORD_MAX_BYTES}`);
    const fh = await open(tmp, 'w', 0o600);
    // A write cut short (the state directory full) leaves no temporary name: each refused open would add one.
    try {
      try {
        await fh.writeFile(line);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(this.dir, name));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  /**
   * The record of the file at `path` under the root as it is on disk now:
   * another serve on the same root and state directory writes and removes
   * records too, so what this one saw at start may be out of date. Rejects
   * when it cannot be read: an owner unknown would be the first comer's.
   */
  lookup(path: string): Promise<OwnerRecord | undefined> {
    return this.read(recordName(path), true);
  }

  /** Removes the record of the file at `path` under the root; one left by a crash is removed at the next start. */
  async remove(path: string): Promise<void> {
    const name = recordName(path);
    this.drop(name);
    await unlink(join(this.dir, name)).catch(() => undefined);
  }

  // `strict`: a record that cannot be read (but for one not there) rejects, rather than reading as none.
  private async read(name: string, strict = false): Promise<OwnerRecord | undefined> {
    const bytes = await readFile(join(this.dir, name)).catch((err: unknown) => {
      if (strict && errnoCode(err) !== 'ENOENT') throw err;
      return Buffer.alloc(0);
    });
    if (bytes.length === 0 || bytes.length > RECORD_MAX_BYTES) return undefined;
    const text = bytes.toString('utf8');
    try {
      const r = JSON.parse(text) as Partial<OwnerRecord>;
      const fine = typeof r.path === 'string' && typeof r.login === 'string' && Number.isSafeInteger(r.ino);
      return fine && recordName(r.path!) === name ? (r as OwnerRecord) : undefined;
    } catch {
      return undefined;
    }
  }

  // The file the record names, still under its path: a regular file with one name, of the same inode: its key.
  // Else 'linked' (that file, with another name too), 'other' (another upload's file), or undefined.
  private async stillThere(r: OwnerRecord): Promise<{ key: string } | 'linked' | 'other' | undefined> {
    if (isAbsolute(r.path) || r.path.split('/').includes('..') || !isUploadTempName(basename(r.path))) return undefined;
    const st = await lstat(join(this.root, r.path)).catch(() => undefined);
    if (st === undefined || !st.isFile()) return undefined;
    if (st.ino !== r.ino) return st.nlink === 1 ? 'other' : undefined;
    return st.nlink === 1 ? { key: fileKey(st) } : 'linked';
  }
}

// write()'s temporary name, `<record>.<pid>.<n>.tmp`, of a serve no longer running.
function isTempOfKilled(name: string): boolean {
  const m = /\.(\d+)\.\d+\.tmp$/.exec(name);
  return m !== null && (Number(m[1]) === process.pid || !processRuns(Number(m[1])));
}

// A fixed-length name whatever the path (names up to 255 bytes, paths longer).
function recordName(path: string): string {
  return `${createHash('sha256').update(toBytes(path)).digest('hex').slice(0, 32)}${SUFFIX}`;
}
