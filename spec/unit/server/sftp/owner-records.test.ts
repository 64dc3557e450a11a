// The owners of --append-only's uploads in progress on disk: what a start
// keeps and removes, and what happens past the cap on records.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as byteFs from '../../../../lib/fs/byte-fs';
import { fromBytes, toBytes } from '../../../../lib/util/byte-text';
import { OwnerRecords } from '../../../../lib/server/sftp/owner-records';
import { fileKey } from '../../../../lib/server/sftp/store-guard';
import { UploadOwners } from '../../../../lib/server/sftp/upload-owners';
import { STATUS } from '../../../../lib/server/sftp/wire';
import { heldGate } from '../../../helpers/async';
import { tempDirPerTest } from '../../../helpers/temp-dir';

const dirOf = tempDirPerTest('scpipe-test-owner-records-');

// A root with temporary files of uploads, and an empty state directory.
async function setUp(names: string[]): Promise<{ root: string; state: string }> {
  const root = join(dirOf(), 'root');
  const state = join(dirOf(), 'state');
  await mkdir(root);
  await mkdir(state);
  for (const name of names) await writeFile(join(root, name), 'part');
  return { root, state };
}

const file = async (root: string, name: string): Promise<{ key: string; file: { clientPath: string; host: string; ino: number } }> => {
  const st = await stat(join(root, name));
  return { key: fileKey(st), file: { clientPath: `/${name}`, host: join(root, name), ino: st.ino } };
};

describe('OwnerRecords', () => {
  it('keeps at start the records of files still there, and removes those of files gone or replaced, cut short or not its own', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2', '.c.scpipe-AbCdE3']);
    const { records } = await OwnerRecords.start(state, root);
    const owners = new UploadOwners(records, root);
    for (const name of ['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2', '.c.scpipe-AbCdE3']) {
      const f = await file(root, name);
      await owners.claim(f.key, 'key SHA256:one', f.file);
    }
    await rm(join(root, '.b.scpipe-AbCdE2'));
    // Another file under the name: made while the old one is there, so with another inode.
    await writeFile(join(root, 'other'), 'another file under the name');
    await rename(join(root, 'other'), join(root, '.c.scpipe-AbCdE3'));
    await writeFile(join(state, 'junk.owner'), 'not a record');
    await writeFile(join(state, 'x.owner.4194305.1.tmp'), '{"path":'); // above Linux's highest PID: no serve of it runs
    const found = await OwnerRecords.start(state, root);
    expect(found.kept.map((r) => [r.path, r.login])).toEqual([['.a.scpipe-AbCdE1', 'key SHA256:one']]);
    expect(found.kept[0]!.key).toBe((await file(root, '.a.scpipe-AbCdE1')).key);
    expect(found.stale).toBe(3);
    expect(await readdir(state)).toHaveLength(1);
  });

  // Another serve on the same state directory, writing a record as this one starts: its write goes on.
  it('keeps at start the record being written by a serve still running', async () => {
    const { root, state } = await setUp([]);
    const writing = `${'0'.repeat(32)}.owner.${process.ppid}.1.tmp`;
    await writeFile(join(state, writing), '{"path":');
    await OwnerRecords.start(state, root);
    expect(await readdir(state)).toEqual([writing]);
  });

  // The state directory's disk failing: the upload is refused, not handed to the key that asks.
  it('refuses another key an upload whose record cannot be read', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1']);
    const owners = new UploadOwners((await OwnerRecords.start(state, root)).records, root);
    const a = await file(root, '.a.scpipe-AbCdE1');
    await owners.claim(a.key, 'key SHA256:one', a.file);
    const [record] = await readdir(state);
    await rm(join(state, record!));
    await mkdir(join(state, record!)); // EISDIR where the record was
    await expect(owners.refuseOthers(a.key, 'key SHA256:two', a.file)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  // Many clients opening new uploads at once, at the cap: no more than the cap are kept.
  it('keeps no more records than the cap when uploads are claimed at once', async () => {
    const names = ['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2', '.c.scpipe-AbCdE3'];
    const { root, state } = await setUp(names);
    const owners = new UploadOwners((await OwnerRecords.start(state, root, 2)).records, root);
    const files = await Promise.all(names.map((name) => file(root, name)));
    const claims = await Promise.allSettled(files.map((f) => owners.claim(f.key, 'key SHA256:one', f.file)));
    // Which one is refused depends on which finds its real directory last: any one, never none.
    expect(claims.map((c) => c.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(await readdir(state)).toHaveLength(2);
  });

  it('refuses a new upload past the cap, until the records of files removed meanwhile are gone', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2', '.c.scpipe-AbCdE3']);
    const { records } = await OwnerRecords.start(state, root, 2);
    const owners = new UploadOwners(records, root);
    for (const name of ['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2']) {
      const f = await file(root, name);
      await owners.claim(f.key, 'key SHA256:one', f.file);
    }
    const third = await file(root, '.c.scpipe-AbCdE3');
    await expect(owners.claim(third.key, 'key SHA256:one', third.file)).rejects.toMatchObject({
      status: STATUS.PERMISSION_DENIED,
      message: '/.c.scpipe-AbCdE3: append-only server: 2 uploads in progress are on record already, and no more are kept: store or remove some first',
    });
    expect(await readdir(state)).toHaveLength(2);
    // One removed by serve's own account: its record makes room (the first check since the last).
    const fresh = new UploadOwners((await OwnerRecords.start(state, root, 2)).records, root);
    await rm(join(root, '.a.scpipe-AbCdE1'));
    await fresh.claim(third.key, 'key SHA256:two', third.file);
    expect(await readdir(state)).toHaveLength(2);
    await expect(fresh.refuseOthers(third.key, 'key SHA256:one', third.file)).rejects.toThrow(/another login/);
  });

  // One key's uploads in progress are capped below the whole: the records
  // read back at start count for their key, another key still has room.
  it('refuses one login past its own cap, counting its records from before a restart, while another goes on', async () => {
    const names = ['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2', '.c.scpipe-AbCdE3', '.d.scpipe-AbCdE4'];
    const { root, state } = await setUp(names);
    const [a, b, c, d] = await Promise.all(names.map((name) => file(root, name)));
    const first = new UploadOwners((await OwnerRecords.start(state, root)).records, root, undefined, 2);
    await first.claim(a!.key, 'key SHA256:one', a!.file);
    await first.claim(b!.key, 'key SHA256:one', b!.file);
    const owners = new UploadOwners((await OwnerRecords.start(state, root)).records, root, undefined, 2);
    await expect(owners.refuseIfFull('/.c.scpipe-AbCdE3', 'key SHA256:one')).rejects.toMatchObject({
      status: STATUS.PERMISSION_DENIED,
      message: '/.c.scpipe-AbCdE3: append-only server: 2 uploads in progress of this login (key SHA256:one) are on record already, the most one login may have (--max-uploads-per-key): store or remove some first',
    });
    await expect(owners.claim(c!.key, 'key SHA256:one', c!.file)).rejects.toThrow(/the most one login may have/);
    await owners.claim(c!.key, 'key SHA256:two', c!.file);
    // One stored: its record goes, and the first login has room again.
    await owners.forget(a!.key, a!.file.host);
    await owners.claim(d!.key, 'key SHA256:one', d!.file);
    expect(await readdir(state)).toHaveLength(3);
  });

  // A full set of records is swept when a new upload comes: one still being
  // written then read as none, was dropped from the count (past the cap),
  // and its file unlinked if it landed meanwhile (its upload anyone's).
  it('keeps counting, and keeps, a record being written while the records are swept', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2']);
    const owners = new UploadOwners((await OwnerRecords.start(state, root, 1)).records, root);
    const real = byteFs.rename;
    const atRename = heldGate();
    const spy = jest.spyOn(byteFs, 'rename').mockImplementationOnce(async (from, to) => {
      await atRename.hold();
      return real(from, to);
    });
    const [a, b] = [await file(root, '.a.scpipe-AbCdE1'), await file(root, '.b.scpipe-AbCdE2')];
    const first = owners.claim(a.key, 'key SHA256:one', a.file);
    await atRename.reached;
    await expect(owners.claim(b.key, 'key SHA256:two', b.file)).rejects.toThrow(/1 uploads in progress are on record already/);
    atRename.release();
    await first;
    spy.mockRestore();
    expect(await readdir(state)).toHaveLength(1);
    await expect(owners.refuseOthers(a.key, 'key SHA256:two', a.file)).rejects.toThrow(/another login/);
  });
});

// What a crash between an intent (owner-intents.ts) and the record leaves, settled at start.
describe('OwnerRecords: intents left by a crash', () => {
  const intent = async (state: string, path: string, login: string, pid = 4194305, n = 1): Promise<void> => {
    const name = `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.owner.${pid}.${n}.pending`;
    await writeFile(join(state, name), `${JSON.stringify({ path, login })}\n`);
  };

  it('puts on record the file an intent made, as its login\'s, and drops an intent whose file was never made', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1']);
    await intent(state, '.a.scpipe-AbCdE1', 'key SHA256:one');
    await intent(state, '.b.scpipe-AbCdE2', 'key SHA256:one');
    const found = await OwnerRecords.start(state, root);
    expect([found.kept.map((r) => [r.path, r.login]), found.recovered]).toEqual([[['.a.scpipe-AbCdE1', 'key SHA256:one']], 1]);
    expect((await readdir(state)).every((n) => n.endsWith('.owner'))).toBe(true);
    const owners = new UploadOwners(found.records, root);
    const a = await file(root, '.a.scpipe-AbCdE1');
    await expect(owners.refuseOthers(a.key, 'key SHA256:two', a.file)).rejects.toThrow(/another login/);
    await owners.refuseOthers(a.key, 'key SHA256:one', a.file);
  });

  it('gives no login the file two logins both meant to make', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1']);
    await intent(state, '.a.scpipe-AbCdE1', 'key SHA256:one', 4194305);
    await intent(state, '.a.scpipe-AbCdE1', 'key SHA256:two', 4194304);
    const owners = new UploadOwners((await OwnerRecords.start(state, root)).records, root);
    const a = await file(root, '.a.scpipe-AbCdE1');
    for (const login of ['key SHA256:one', 'key SHA256:two']) await expect(owners.refuseOthers(a.key, login, a.file)).rejects.toThrow(/another login/);
  });

  it('leaves the intent of a serve still running, and lets the record written before a crash win over an intent', async () => {
    const { root, state } = await setUp(['.a.scpipe-AbCdE1', '.b.scpipe-AbCdE2']);
    await intent(state, '.a.scpipe-AbCdE1', 'key SHA256:two', process.ppid);
    const b = await file(root, '.b.scpipe-AbCdE2');
    await new UploadOwners((await OwnerRecords.start(state, root)).records, root).claim(b.key, 'key SHA256:one', b.file);
    await intent(state, '.b.scpipe-AbCdE2', 'key SHA256:two');
    const found = await OwnerRecords.start(state, root);
    expect([found.kept.map((r) => [r.path, r.login]), found.recovered]).toEqual([[['.b.scpipe-AbCdE2', 'key SHA256:one']], 0]);
    expect((await readdir(state)).filter((n) => n.endsWith('.pending'))).toEqual([expect.stringContaining(`.${process.ppid}.1.pending`)]);
  });

  // An intent is a line of JSON, where each byte of a Latin-1 name takes 6
  // characters (\udcNN): one of a deep such path was read as none, and the
  // file it made went to the first key that wrote into it.
  it('puts on record the file an intent of a deep Latin-1 path made', async () => {
    const { root, state } = await setUp([]);
    const dirs = Array.from({ length: 20 }, () => Buffer.concat([Buffer.from('d'), Buffer.alloc(100, 0xe9)]));
    const path = fromBytes(Buffer.concat([...dirs.flatMap((d) => [d, Buffer.from('/')]), Buffer.from('.a.scpipe-AbCdE1')]));
    await mkdir(toBytes(join(root, fromBytes(Buffer.concat(dirs.flatMap((d) => [d, Buffer.from('/')]))))), { recursive: true });
    await byteFs.writeFile(join(root, path), 'part');
    const { records } = await OwnerRecords.start(state, root);
    await records.intend({ path, login: 'key SHA256:one' }); // then a crash: never dropped, no record
    const found = await OwnerRecords.start(state, root);
    expect([found.kept.map((r) => [r.path, r.login]), found.recovered]).toEqual([[[path, 'key SHA256:one']], 1]);
  });
});
