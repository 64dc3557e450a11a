// --append-only: an upload's temporary file exists from its open on, before
// its owner is known. Another login that opens it in between (it can list
// the name) must be refused, not find no owner and take the upload over.
// The window is held open by pausing the maker's open just after the file
// was made; a real client hits it under load, when the thread pool is busy.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { heldGate, waitFor } from '../../../helpers/async';
import { FakeSftpChannel as FakeChannel } from '../../../helpers/fake-sftp-channel';
import { Jail } from '../../../../lib/server/jail';
import { runSftpSession } from '../../../../lib/server/sftp/session';
import * as storeGuard from '../../../../lib/server/sftp/store-guard';
import { UploadOwners } from '../../../../lib/server/sftp/upload-owners';
import { OPEN_FLAG, PacketWriter, REQ, RES, STATUS } from '../../../../lib/server/sftp/wire';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-claim-race-'));
});
afterEach(async () => {
  jest.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

const TEMP = '/.db.dump.scpipe-AbCdE1';
const init = (): Buffer => new PacketWriter().u8(REQ.INIT).u32(3).finish();
const write = (id: number, handle: Buffer, data: string): Buffer => new PacketWriter().u8(REQ.WRITE).u32(id).string(handle).u64(0n).string(Buffer.from(data)).finish();
const openWrite = (id: number, pflags: number): Buffer => new PacketWriter().u8(REQ.OPEN).u32(id).string(TEMP).u32(pflags).u32(0).finish();
const replyTo = (channel: FakeChannel, id: number): Buffer | undefined => channel.replies.find((r) => r[0] !== RES.VERSION && r.readUInt32BE(1) === id);

function session(owners: UploadOwners, login: string): { channel: FakeChannel; log: string[] } {
  const channel = new FakeChannel();
  const log: string[] = [];
  void runSftpSession(channel as unknown as ServerChannel, { jail: new Jail(root), readOnly: false, appendOnly: true, owners, verbose: false, log: (l) => log.push(l), who: login, clientIdent: 'SSH-2.0-OpenSSH_9.2', login });
  channel.send(init());
  return { channel, log };
}

it('refuses another login the temporary file of an upload whose open has made it but not yet answered', async () => {
  const real = storeGuard.guardOpened;
  const gate = heldGate();
  jest.spyOn(storeGuard, 'guardOpened').mockImplementationOnce(async (...args) => {
    await gate.hold();
    return real(...args);
  });
  const owners = new UploadOwners();
  const maker = session(owners, 'key SHA256:maker');
  const other = session(owners, 'key SHA256:other');
  maker.channel.send(openWrite(1, OPEN_FLAG.WRITE | OPEN_FLAG.CREAT | OPEN_FLAG.TRUNC));
  await gate.reached;
  expect(await readdir(root)).toEqual([TEMP.slice(1)]);
  other.channel.send(openWrite(2, OPEN_FLAG.WRITE));
  await waitFor(() => replyTo(other.channel, 2) !== undefined, 'the other login\'s open answered');
  gate.release();
  await waitFor(() => replyTo(maker.channel, 1) !== undefined, 'the maker\'s open answered');
  expect(replyTo(maker.channel, 1)![0]).toBe(RES.HANDLE);
  const refusal = replyTo(other.channel, 2)!;
  expect([refusal[0], refusal.readUInt32BE(5)]).toEqual([RES.STATUS, STATUS.PERMISSION_DENIED]);
  expect(other.log.join('\n')).toMatch(/sftp open refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login \(another key\)/);
  expect(other.log.join('\n')).not.toMatch(/no owner of this upload's temporary file on record/);
});

// An open that found the name free makes a new file or fails: made by
// another login meanwhile, that file is not opened (its O_TRUNC emptied it)
// and claimed as this one's.
it('refuses an open that found the name free once another login made the file meanwhile', async () => {
  const owners = new UploadOwners();
  const maker = session(owners, 'key SHA256:maker');
  const other = session(owners, 'key SHA256:other');
  const real = owners.intend.bind(owners);
  const gate = heldGate();
  jest.spyOn(owners, 'intend').mockImplementationOnce(async (...args) => {
    await gate.hold();
    return real(...args);
  });
  other.channel.send(openWrite(1, OPEN_FLAG.WRITE | OPEN_FLAG.CREAT | OPEN_FLAG.TRUNC));
  await gate.reached;
  maker.channel.send(openWrite(2, OPEN_FLAG.WRITE | OPEN_FLAG.CREAT | OPEN_FLAG.TRUNC));
  await waitFor(() => replyTo(maker.channel, 2) !== undefined, 'the maker\'s open answered');
  const handle = replyTo(maker.channel, 2)!;
  expect(handle[0]).toBe(RES.HANDLE);
  maker.channel.send(write(3, handle.subarray(9, 9 + handle.readUInt32BE(5)), 'the backup'));
  await waitFor(() => replyTo(maker.channel, 3) !== undefined, 'the write answered');
  gate.release();
  await waitFor(() => replyTo(other.channel, 1) !== undefined, 'the other login\'s open answered');
  expect(replyTo(other.channel, 1)![0]).toBe(RES.STATUS);
  expect(await readFile(join(root, TEMP), 'utf8')).toBe('the backup');
  // And the upload is still its maker's.
  other.channel.send(openWrite(4, OPEN_FLAG.WRITE));
  await waitFor(() => replyTo(other.channel, 4) !== undefined, 'the other login\'s second open answered');
  expect([replyTo(other.channel, 4)![0], replyTo(other.channel, 4)!.readUInt32BE(5)]).toEqual([RES.STATUS, STATUS.PERMISSION_DENIED]);
});
