// put --no-clobber of a parts set over SCP looks for its first part's name
// again just before the part goes (parts-no-clobber-race.test.ts). When that
// look was lost with the connection, the retry sent the part without looking:
// a set another run began meanwhile was written over. The look is held by
// a relay in front of OpenSSH's scp -f (held-reply.ts) while the connection is cut.
import { randomBytes } from 'node:crypto';
import { chown, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { put, type RetryEvent, type ScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { heldReplies } from '../helpers/held-reply';
import { dropConnections } from '../helpers/drop-connections';

const relay = heldReplies();
const sshd = sshdPerSuite();
afterAll(() => relay.remove());
afterEach(() => relay.release());

it('the second look lost with the connection: the retry looks again and refuses the set begun meanwhile', async () => {
  const dir = await userDir(sshd.user, 'noclobber-lost-look');
  const input = new PassThrough();
  const retries: RetryEvent[] = [];
  await relay.hold('fstart');
  const run = put(connectOptions(sshd, sshd.user), `${dir}/db`, input, {
    protocol: 'scp', noClobber: true, partSize: 1024 * 1024, retries: 1, backoffMs: [0], scpPath: relay.path, onRetry: (e) => retries.push(e),
  }).then(() => undefined, (e: unknown) => e as ScpipeError);
  input.write(randomBytes(500_000));
  await relay.held(3); // the first look: the manifest, the set's name, its first part, unanswered yet
  await relay.release();
  await relay.exited();
  // Another run's first part, after this one first looked; its own look is held, then lost.
  const other = randomBytes(1024 * 1024);
  await writeFile(join(dir, 'db.000000'), other);
  await chown(join(dir, 'db.000000'), sshd.user.uid, sshd.user.gid);
  await relay.hold('fstart');
  input.end(randomBytes(2_000_000));
  await relay.held();
  await dropConnections(sshd);
  await relay.release();
  const err = await run;
  expect(err?.code).toBe('ERR_EXISTS'); // before: resolved, its set stored over the other's first part
  expect(err!.message).toContain(
    `${dir}/db.000000: the remote file exists, and --no-clobber leaves it as it is: another run began to store a set of this name after this one first looked, ` +
      "so this one stops before it writes over that one's parts; give each run a name of its own, or hold a lock around the job (flock -n)",
  );
  expect(retries).toHaveLength(1);
  expect((await readFile(join(dir, 'db.000000'))).equals(other)).toBe(true);
  expect((await readdir(dir)).sort()).toEqual(['db.000000']);
}, 90_000);

// The look again is part of the first part's way out: its retries are that
// part's, so --retries 1 is one reconnection for both, not one each.
it('a look lost with the connection spends the first part\'s retries: --retries 1 is one reconnection for the look and the part', async () => {
  const dir = await userDir(sshd.user, 'noclobber-lost-look-retries');
  const input = new PassThrough();
  const retries: (RetryEvent & { file?: string })[] = [];
  await relay.hold('fstart');
  const run = put(connectOptions(sshd, sshd.user), `${dir}/db`, input, {
    protocol: 'scp', noClobber: true, partSize: 1024 * 1024, retries: 1, backoffMs: [0], scpPath: relay.path, onRetry: (e) => retries.push(e),
  }).then(() => undefined, (e: unknown) => e as ScpipeError);
  input.write(randomBytes(500_000));
  await relay.held(3); // the first look
  await relay.release();
  await relay.exited();
  await relay.hold('fstart');
  input.end(randomBytes(2_000_000));
  await relay.held(); // the look again, held, then lost: its retry spends the one
  await relay.hold('ack 1 only=db.000000'); // the look's retry answers at once; the first part's scp -t is held
  await dropConnections(sshd);
  await relay.held();
  await dropConnections(sshd); // the first part lost: no retry is left for it
  await relay.release();
  const err = await run;
  expect(err?.code).toBe('ERR_LOST_CONNECTION'); // before: the part had a retry of its own, and the set was stored
  expect(retries.filter((e) => e.file === 'db.000000').map((e) => `${e.retry} of ${e.retries}`)).toEqual(['1 of 1']);
}, 90_000);
