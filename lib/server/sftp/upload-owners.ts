// --append-only: which login (its key) made each upload's temporary file, so
// that only a session of the same login may write into it again, change it
// or store it. A resume reconnects with the client's own key and goes on; a
// client with another key, which can list the name, is refused. Kept in
// memory, or with a state directory on disk (owner-records.ts), so a
// restart keeps them; then the disk is read at each check, as another serve
// on the same root and state directory keeps them there too. A file with
// no owner known (made before owners were kept on disk, or with none kept)
// is the first login's that goes on with it; one key shared by every client
// tells them not apart.
import { basename, dirname, join, relative } from 'node:path';
import { realpath } from '../../fs/byte-fs';
import { refused } from './append-only';
import { OwnerRecords, RECORDS_PER_LOGIN_MAX } from './owner-records';
import { expireUploads, type ExpiredUpload } from './expire-uploads';
import { prepareStateDir } from '../state-dir';
import { claimRoot, type RootClaim } from '../root-claim';
import { escapeForTerminal } from '../../util/escape';
import type { OpsContext } from './context';

/** An upload's temporary file: as the client names it, where it is, its inode. */
export interface UploadFile {
  clientPath: string;
  host: string;
  ino: number;
}

// Bounded, with no records on disk: past it the oldest uploads in progress become anyone's, as after a restart.
const REMEMBERED = 65_536;
// With records full, how often they are checked for files gone meanwhile: each check lstat()s every one.
const SWEEP_EVERY_MS = 60_000;

/** The owners of one root's uploads in progress. */
export class UploadOwners {
  // By file key (store-guard.ts fileKey()): the login, and the file's path
  // under the root. With records, only those whose record is being written.
  private readonly owners = new Map<string, { login: string; path: string }>();
  // By real path (realName()): uploads' files being made, from before their
  // open until claim() knows them; a file exists from its open on.
  private readonly making = new Map<string, { login: string }>();
  private swept = -Infinity;

  /** `records`: kept on disk too, under `root`; else in memory only. */
  constructor(
    private readonly records?: OwnerRecords,
    private readonly root = '',
    private readonly rootClaim?: RootClaim,
    // How many of the records one login may hold (--max-uploads-per-key).
    private readonly perLogin = RECORDS_PER_LOGIN_MAX,
  ) {}

  /** Removes the uploads on record not written to for `ageMs` (expire-uploads.ts); none without records. */
  async expire(ageMs: number): Promise<ExpiredUpload[]> {
    return this.records ? expireUploads(this.records, this.root, ageMs) : [];
  }

  /** Lets another serve on the root keep its owners elsewhere again: this one stopped (root-claim.ts). */
  close(): void {
    this.rootClaim?.release();
  }

  /**
   * Refuses `login` a new upload's temporary file when no more owners can be
   * kept on record, or no more of its own, once the records of files removed
   * meanwhile are gone.
   */
  async refuseIfFull(clientPath: string, login: string): Promise<void> {
    if (!this.records || this.roomFor(login)) return;
    if (performance.now() - this.swept >= SWEEP_EVERY_MS) {
      this.swept = performance.now();
      const gone = new Set(await this.records.sweep());
      for (const [key, owner] of this.owners) if (gone.has(owner.path)) this.owners.delete(key);
    }
    if (!this.roomFor(login)) throw this.full(clientPath, login);
  }

  private roomFor(login: string): boolean {
    return this.records!.hasRoom() && this.records!.heldBy(login) < this.perLogin;
  }

  private full(clientPath: string, login: string): ReturnType<typeof refused> {
    if (!this.records!.hasRoom()) return refused(clientPath, `${this.records!.max} uploads in progress are on record already, and no more are kept: store or remove some first`);
    // Said with the login (its key's fingerprint), which the log line's user@address does not name.
    return refused(clientPath, `${this.perLogin} uploads in progress of this login (${login}) are on record already, the most one login may have (--max-uploads-per-key): store or remove some first`);
  }

  /**
   * Records that `login` made the upload's file `key`; on disk before it
   * resolves. Known at once, before the write: a second login's open
   * meanwhile is refused, not given it too.
   */
  async claim(key: string, login: string, file: UploadFile): Promise<void> {
    const owner = { login, path: '' };
    if (!this.records && this.owners.size >= REMEMBERED && !this.owners.has(key)) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(key, owner);
    if (!this.records) return;
    try {
      await this.refuseIfFull(file.clientPath, login);
      owner.path = await this.recordPath(file.host);
      // Again with no await before the write counts it: claims at once each saw room above.
      if (!this.roomFor(login)) throw this.full(file.clientPath, login);
      await this.records.write({ path: owner.path, ino: file.ino, login });
    } finally {
      // On record now (or not at all): read from there from now on, where another serve may forget it.
      if (this.owners.get(key) === owner) this.owners.delete(key);
    }
  }

  /**
   * Marks the upload's file that `login` is about to make at `host` as its
   * own until the returned function is called (once claim() resolved, or the
   * open failed): another login that opens the new file in between would
   * find no owner, take it and write into it. A second such open of the
   * same name meanwhile is refused, as O_EXCL would refuse one of the two.
   * With records, the intent goes on disk first (owner-records.ts intend()),
   * so a crash before claim() leaves no file without an owner.
   */
  async intend(host: string, login: string): Promise<() => Promise<void>> {
    const real = await this.realName(host);
    if (this.making.has(real)) throw Object.assign(new Error('EEXIST: file already exists'), { code: 'EEXIST' });
    const mark = { login };
    this.making.set(real, mark);
    const unmark = (): void => {
      if (this.making.get(real) === mark) this.making.delete(real);
    };
    try {
      const drop = await this.records?.intend({ path: relative(this.root, real), login });
      return async () => {
        unmark();
        await drop?.();
      };
    } catch (err) {
      unmark();
      throw err;
    }
  }

  /** Refuses `login` an upload's file that another login made. */
  async refuseOthers(key: string, login: string, file: UploadFile): Promise<void> {
    const owner = await this.ownerOf(key, file);
    if (owner !== undefined && owner !== login) throw othersUpload(file.clientPath);
  }

  /**
   * Refuses `login` an upload's file that another login made; one with no
   * owner known becomes the first one's that goes on with it, its own
   * client resuming as a rule (`unknown` is told so, to say it in the log).
   */
  async goOn(key: string, login: string, file: UploadFile, unknown: () => void): Promise<void> {
    const owner = await this.ownerOf(key, file);
    if (owner !== undefined && owner !== login) throw othersUpload(file.clientPath);
    if (owner !== undefined) return;
    unknown();
    await this.claim(key, login, file); // known at once: no other login's open in between
  }

  // The login that made the file `key`: one being put on record, else the record that names this file.
  // Else the login making a file under that name (makes()).
  private async ownerOf(key: string, file: UploadFile): Promise<string | undefined> {
    const owner = this.owners.get(key);
    if (owner !== undefined) return owner.login;
    const real = await this.realName(file.host);
    const record = this.records && (await this.records.lookup(relative(this.root, real)));
    return record?.ino === file.ino ? record.login : this.making.get(real)?.login;
  }

  /** Forgets the file `key` at `host`: stored under its name or removed, it is no one's upload any more. */
  async forget(key: string, host: string): Promise<void> {
    this.owners.delete(key);
    if (this.records) await this.records.remove(await this.recordPath(host));
  }

  // The file's path under the root through its real directory: the same
  // record whichever name leads there (a symlink to a directory, `latest`,
  // would otherwise find none, and hand the upload to the first comer).
  private async recordPath(host: string): Promise<string> {
    return relative(this.root, await this.realName(host));
  }

  private async realName(host: string): Promise<string> {
    const dir = await realpath(dirname(host)).catch(() => dirname(host));
    return join(dir, basename(host));
  }
}

function othersUpload(clientPath: string): ReturnType<typeof refused> {
  return refused(clientPath, 'it is an upload in progress of another login (another key), and only its own may go on with it');
}

/** Logs that the upload's file `clientPath` had no owner known, and becomes this login's. */
export function ownerUnknown(ctx: OpsContext, clientPath: string): () => void {
  return () => ctx.log(`sftp ${ctx.paths.shown(clientPath)}: no owner of this upload's temporary file on record (made before owners were kept, or its record was lost): it is this login's upload from now on`);
}

/**
 * The owners of the uploads in progress under `root` (real), kept in
 * `stateDir` (state-dir.ts: made and checked here, a usage error when
 * unfit; `byDefault`: serve's default, not one given), with those on
 * record from before read back; said in the log.
 */
export async function keepOwners(
  stateDir: string,
  root: string,
  log: (line: string) => void,
  opts: { perLogin?: number; byDefault?: boolean } = {},
): Promise<UploadOwners> {
  const dir = await prepareStateDir(stateDir, root, opts.byDefault ?? false);
  const claim = await claimRoot(root, dir, stateDir);
  const found = await OwnerRecords.start(dir, root).catch((err: unknown) => {
    claim.release();
    throw err;
  });
  const { records, kept, stale, recovered, finished } = found;
  const owners = new UploadOwners(records, root, claim, opts.perLogin);
  const gone = stale > 0 ? `; ${stale} of files since gone removed` : '';
  const made = recovered > 0 ? `; ${recovered} of files made as serve stopped put on record` : '';
  const stored = finished > 0 ? `; ${finished} temporary name(s) of uploads stored as serve stopped removed` : '';
  log(`append-only: owners of uploads in progress kept in ${escapeForTerminal(dir)}: ${kept.length} on record${gone}${made}${stored}`);
  return owners;
}
