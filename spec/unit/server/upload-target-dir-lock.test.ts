// An scp -r upload to serve makes its directories as SFTP's mkdir does: only
// while no other request is between its check of a path and its use. A link
// keeps the client's `..` after a name (sftp/link-text.ts), so a directory
// made where a link was (an SFTP remove, then `D` over scp) changes where
// another link leads: `l -> a/../..`, inside while `a -> d/e`, leads above
// the root once `a` is a directory.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../helpers/async';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { Jail } from '../../../lib/server/jail';
import type { SessionContext } from '../../../lib/server/session';
import { openUploadTarget } from '../../../lib/server/upload-target';

const rootOf = tempDirPerTest('scpipe-test-upload-dir-lock-');

it('makes a directory of an scp -r upload only once no other request is between its check of a path and its use', async () => {
  const root = rootOf();
  const jail = new Jail(root);
  const ctx = { jail, readOnly: false, appendOnly: false, who: 'me@test', log: () => undefined } as unknown as SessionContext;
  const command = { ok: true, role: 'sink', verbose: false, recursive: true, preserve: false, targetIsDirectory: true, path: '/' } as const;
  const sink = await openUploadTarget(command, ctx, new AbortController().signal);
  if (!('enterDirectory' in sink)) throw new Error(`refused: ${String(sink)}`);

  // Another session's SFTP open between its check of `l/x` and its open by name.
  const holds = jest.spyOn(jail.names, 'hold');
  const release = await jail.names.hold(false);
  let entered = false;
  const entering = sink.enterDirectory({ type: 'D', mode: 0o755, name: 'a' }, undefined, 0).then((r) => {
    entered = true;
    return r;
  });
  await waitFor(() => holds.mock.calls.length > 1, 'the D record, asking for the lock');
  // The made directory would be there within a few file system calls.
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
  expect({ entered, made: existsSync(join(root, 'a')) }).toEqual({ entered: false, made: false });

  release();
  expect(await entering).toBeUndefined();
  expect(existsSync(join(root, 'a'))).toBe(true);
  await sink.leaveDirectory(1);
  await sink.close?.();
});
