// A stop removes the upload it cut only while no rename moves names: the
// rename of another session, holding the name lock, may give the name to
// another file, which the cut must then leave alone.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { waitFor } from '../../../helpers/async';
import { FakeSftpChannel } from '../../../helpers/fake-sftp-channel';
import { tempDirPerTest } from '../../../helpers/temp-dir';
import { Jail } from '../../../../lib/server/jail';
import { UploadOwners } from '../../../../lib/server/sftp/upload-owners';
import { runSftpSession } from '../../../../lib/server/sftp/session';
import { OPEN_FLAG, PacketWriter, REQ, RES } from '../../../../lib/server/sftp/wire';

const rootOf = tempDirPerTest('scpipe-test-cut-upload-');

it('leaves the name of a cut upload to a rename that holds the name lock, and removes nothing else', async () => {
  const root = rootOf();
  const jail = new Jail(root);
  const cut = new AbortController();
  const channel = new FakeSftpChannel();
  const log: string[] = [];
  const session = runSftpSession(channel as unknown as ServerChannel, {
    jail, readOnly: false, verbose: false, log: (l) => log.push(l), who: 'me@test', clientIdent: 'SSH-2.0-OpenSSH_9.2', cut: cut.signal, owners: new UploadOwners(),
  });
  let ended = false;
  const done = session.then(() => (ended = true));
  channel.send(new PacketWriter().u8(REQ.INIT).u32(3).finish());
  const { WRITE, CREAT, TRUNC } = OPEN_FLAG;
  channel.send(new PacketWriter().u8(REQ.OPEN).u32(1).string('/db.dump').u32(WRITE | CREAT | TRUNC).u32(0).finish());
  await waitFor(() => channel.replies.some((r) => r[0] === RES.HANDLE), 'the handle');

  // A rename in another session holds the lock alone: the cut waits for it.
  const holds = jest.spyOn(jail.names, 'hold');
  const release = await jail.names.hold(true);
  cut.abort();
  channel.destroy();
  await waitFor(() => holds.mock.calls.length > 1 || ended, 'the cut, waiting for the lock');
  expect(existsSync(join(root, 'db.dump'))).toBe(true);
  // The rename gives the name to another client's file meanwhile.
  await writeFile(join(root, 'other'), 'another backup');
  await rename(join(root, 'other'), join(root, 'db.dump'));
  release();
  await done;

  expect(await readFile(join(root, 'db.dump'), 'utf8')).toBe('another backup');
  expect(log).toEqual(['me@test sftp upload /db.dump 0 bytes failed: the server is shutting down']);
});
