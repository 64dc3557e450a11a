// An SCP upload's progress said "100% ... ETA 0:00" once every byte was
// written into the channel, while the channel's window and buffer (MiBs)
// were still on their way and the remote had confirmed nothing: a link or a
// remote disk that then stalled left a finished-looking line for as long.
// The line now says the bytes are sent and waiting, and 100% once the
// remote's \0 came.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { heldReplies } from '../helpers/held-reply';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const relay = heldReplies(); // OpenSSH's scp -t behind a relay that holds its last ack
afterAll(() => relay.remove());

it('put --progress: until the remote confirms the bytes the line says they were sent, not 100%; then 100%, exit 0, the file whole', async () => {
  const dir = await userDir(sshd.user, 'progress-confirmed');
  const data = randomBytes(256 * 1024);
  await relay.hold('ack 3'); // the sink's first \0, the header's, then the data's
  const run = startCli(['put', '-O', '--progress', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
  await relay.held();
  // For a log, a line comes after 10 s without a change.
  await waitFor(() => run.stderr().includes('\n'), 'a progress line while the ack is held', 30_000);
  expect(run.stderr()).toMatch(/^scpipe: f: sent 256 KiB of 256 KiB, waiting for the remote to confirm {2}\(no progress for 0:1\d\)\n$/);
  await relay.release();
  const r = await run.done;
  expect(r.status).toBe(0);
  expect(r.stderr.split('\n').slice(1)).toEqual([expect.stringMatching(/^scpipe: f: 100% {2}256 KiB \/ 256 KiB {2}\S+ \S*B\/s {2}ETA 0:00$/), '']);
  expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
});
