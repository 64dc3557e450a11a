// put --verify to a server without posix-rename (OpenSSH's sftp-server
// behind a relay that leaves the extension out of its VERSION): the old
// target is removed before the plain rename. When the connection is lost
// there and the retry's read-back then differs, the old target is gone:
// the message said "the target is as it was" all the same.
import { randomBytes } from 'node:crypto';
import { chown, open, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { put, type ScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { heldReplies } from '../helpers/held-reply';
import { dropConnections } from '../helpers/drop-connections';

const relay = heldReplies({ noPosixRename: true });
const sshd = sshdPerSuite({ sftpSubsystem: relay.path });
afterAll(() => relay.remove());
afterEach(() => relay.release());

it('lost as the old target is removed, the read-back of the retry then differs: not said to be as it was', async () => {
  const dir = await userDir(sshd.user, 'verify-old-removed');
  const target = join(dir, 'f');
  await writeFile(target, 'the old file\n');
  await chown(target, sshd.user.uid, sshd.user.gid);
  await relay.hold('remove');
  const data = randomBytes(200 * 1024);
  const run = put(connectOptions(sshd, sshd.user), target, data, { protocol: 'sftp', verify: true, retries: 1, backoffMs: [0] }).then(() => undefined, (e: unknown) => e as ScpipeError);
  await relay.held(); // the old target is removed; its answer is held
  const [temp] = (await readdir(dir)).filter((n) => n.startsWith('.f.scpipe-'));
  const file = await open(join(dir, temp!), 'r+');
  await file.write(Buffer.from([data[0]! ^ 1]), 0, 1, 0); // what the retry reads back differs
  await file.close();
  await dropConnections(sshd);
  await relay.release();
  const err = (await run)!;
  expect(err.code).toBe('ERR_CHECKSUM');
  expect(existsSync(target)).toBe(false);
  expect(err.message).not.toContain('as it was');
  const kept = join(dir, temp!);
  expect(err.message).toMatch(new RegExp(`^${target}: read back, its SHA-256 is \\w{64}, not \\w{64} as sent; the old ${target} may have been removed before the rename: the connection was lost before its removal was answered \\(the server has no posix-rename\\); the upload, whole but not renamed into place, is left in ${kept}$`));
  expect(err.tempsLeft).toEqual([{ path: kept, state: 'whole' }]);
  expect(existsSync(kept)).toBe(true);
}, 60_000);
