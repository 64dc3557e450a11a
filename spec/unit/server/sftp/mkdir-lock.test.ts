// A link keeps the client's `..` after a name (link-text.ts), so a directory
// made where a link was (remove `a`, then mkdir `a`) changes where another
// link leads: `l -> a/../..`, inside while `a -> d/e`, leads above the root
// once `a` is a directory. A request that checked `l/x` and then opens it by
// name must not see that happen in between: mkdir waits for it, as a rename does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { waitFor, waitForSteady } from '../../../helpers/async';
import { FakeSftpChannel } from '../../../helpers/fake-sftp-channel';
import { tempDirPerTest } from '../../../helpers/temp-dir';
import { Jail } from '../../../../lib/server/jail';
import { UploadOwners } from '../../../../lib/server/sftp/upload-owners';
import { runSftpSession } from '../../../../lib/server/sftp/session';
import { PacketWriter, REQ, RES } from '../../../../lib/server/sftp/wire';

const rootOf = tempDirPerTest('scpipe-test-mkdir-lock-');

it('makes a directory only once no other request is between its check of a path and its use', async () => {
  const root = rootOf();
  const jail = new Jail(root);
  const cut = new AbortController();
  const channel = new FakeSftpChannel();
  const session = runSftpSession(channel as unknown as ServerChannel, {
    jail, readOnly: false, verbose: false, log: () => undefined, who: 'me@test', clientIdent: 'SSH-2.0-OpenSSH_9.2', cut: cut.signal, owners: new UploadOwners(),
  });
  channel.send(new PacketWriter().u8(REQ.INIT).u32(3).finish());
  await waitFor(() => channel.replies.length > 0, 'the version');

  // Another session's open between its check of `l/x` and its open by name.
  const holds = jest.spyOn(jail.names, 'hold');
  const release = await jail.names.hold(false);
  channel.send(new PacketWriter().u8(REQ.MKDIR).u32(1).string('/a').u32(0).finish());
  await waitFor(() => holds.mock.calls.length > 1, 'the mkdir, asking for the lock');
  await waitForSteady(() => channel.replies.length, 'the mkdir, waiting', 300);
  expect(existsSync(join(root, 'a'))).toBe(false);

  release();
  await waitFor(() => channel.replies.some((r) => r[0] === RES.STATUS), 'the mkdir');
  expect(existsSync(join(root, 'a'))).toBe(true);
  cut.abort();
  channel.destroy();
  await session;
});
