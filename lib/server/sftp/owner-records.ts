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
import { lstat, readdir, readFile, unlink } from '../../fs/byte-fs';
import { processRuns } from '../../util/process-runs';
import { errnoCode } from '../../fs/strerror';
import { basename, isAbsolute, join } from 'node:path';
import { isUploadTempName } from '../../fs/store-new';
import { fileKey } from './store-guard';
import { SUFFIX, parseRecord, recordName, syncDir, writeRecordFile, type OwnerRecord } from './record-file';
import { RecordCounts } from './record-counts';
import { NO_ONE, dropIntent, intentOfKilled, isIntent, readIntent, writeIntent, type Intent } from './owner-intents';

/** How many uploads in progress are kept on record at most: at 4 KiB a file, 64 MiB of disk. */
const RECORDS_MAX = 16_384;

/** How many of them one login (one key) may hold by default: a sixteenth, so one client cannot take them all. */
export const RECORDS_PER_LOGIN_MAX = 1_024;


export type { OwnerRecord } from './record-file';

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


/** The records of one root in `dir` (prepareStateDir()'s answer). */
export class OwnerRecords {
  private writes = 0;
  // Records being written, and how many writes of each: not yet on disk, never swept.
  private readonly writing = new Map<string, number>();
  // Records on disk, by login too: the caps cost no scan.
  private readonly counted = new RecordCounts();
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
        records.counted.add(name, record.login);
        found.kept.push({ ...record, key: there.key });
        continue;
      }
      // Stored, but for the removal of its temporary name: finished now, so its client's retry finds it stored.
      if (record && there === 'linked' && (await unlink(join(root, record.path)).then(() => true, () => false))) found.finished++;
      else found.stale++;
      await unlink(join(dir, name)).catch(() => undefined);
    }
    for (const [name, files] of intents) {
      if (!records.counted.has(name)) await records.recover(name, files, found);
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
      await syncDir(this.dir);
    } catch (err) {
      await dropIntent(file);
      throw err;
    }
    return () => dropIntent(file);
  }

  /** Removes the records of files gone meanwhile (removed by serve's own account); the paths they named. */
  async sweep(): Promise<string[]> {
    const gone: string[] = [];
    for (const name of this.counted.list()) {
      // Not on disk yet: read as none, it was dropped, and its record, landing after, unlinked.
      if (this.writing.has(name)) continue;
      const record = await this.read(name);
      if (record && typeof (await this.stillThere(record)) === 'object') continue;
      this.counted.drop(name);
      await unlink(join(this.dir, name)).catch(() => undefined);
      if (record) gone.push(record.path);
    }
    return gone;
  }

  /** The records on disk now, but for those being written. */
  async all(): Promise<OwnerRecord[]> {
    const found: OwnerRecord[] = [];
    for (const name of this.counted.list()) {
      const record = this.writing.has(name) ? undefined : await this.read(name);
      if (record) found.push(record);
    }
    return found;
  }

  /** Records on disk. */
  get size(): number {
    return this.counted.size;
  }

  /** Whether a record may be added (RECORDS_MAX). */
  hasRoom(): boolean {
    return this.counted.size < this.max;
  }

  /** Records held by `login` (the uploads in progress of one key). */
  heldBy(login: string): number {
    return this.counted.heldBy(login);
  }

  /** Writes the record of `rec` and makes it durable; replaces one of the same path. */
  async write(rec: OwnerRecord): Promise<void> {
    const name = recordName(rec.path);
    // Counted at once, before any await: hasRoom() then sees it for every claim checked meanwhile.
    const before = this.counted.loginOf(name);
    this.counted.add(name, rec.login);
    this.writing.set(name, (this.writing.get(name) ?? 0) + 1);
    try {
      await this.writeFile(name, rec);
    } catch (err) {
      this.counted.drop(name);
      if (before !== undefined) this.counted.add(name, before);
      throw err;
    } finally {
      const left = this.writing.get(name)! - 1;
      if (left === 0) this.writing.delete(name);
      else this.writing.set(name, left);
    }
  }

  private async writeFile(name: string, rec: OwnerRecord): Promise<void> {
    const tmp = join(this.dir, `${name}.${process.pid}.${++this.writes}.tmp`); // two writes of one record may overlap
    await writeRecordFile(this.dir, name, tmp, rec);
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
    this.counted.drop(name);
    await unlink(join(this.dir, name)).catch(() => undefined);
  }

  // `strict`: a record that cannot be read (but for one not there) rejects, rather than reading as none.
  private async read(name: string, strict = false): Promise<OwnerRecord | undefined> {
    const bytes = await readFile(join(this.dir, name)).catch((err: unknown) => {
      if (strict && errnoCode(err) !== 'ENOENT') throw err;
      return Buffer.alloc(0);
    });
    return parseRecord(bytes, name);
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

