// The progress line's last state for a log (--progress) was printed after a
// failure as well: "100% ... ETA 0:00" just above "No space left on device",
// a line that reads as a completed upload. The last line now says the bytes
// were sent but not stored.
import { chown, readdir } from 'node:fs/promises';
import { userDir } from '../helpers/sshd';
import { randomBytes } from 'node:crypto';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { heldReplies } from '../helpers/held-reply';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { withTmpfs } from '../helpers/tmpfs';

const sshd = sshdPerSuite();
const relay = heldReplies(); // OpenSSH's scp -t behind a relay that holds its last ack
afterAll(() => relay.remove());

// Over SCP the size is known (spooled) and the cut-short file stays, as its
// message says; over SFTP the stream goes as it comes and its temporary file is removed.
describe.each([
  ['scp', '-O', 'sent 3 MiB of 3 MiB, then failed', ['big.bin']],
  ['sftp', '-s', /^sent \d+(\.\d+)? [KM]iB, then failed$/, []],
] as const)('put --progress over %s onto a remote disk too small', (_protocol, flag, last, left) => {
  beforeEach(() => sshd.setRsshAllowed(['scp', 'sftp']));
  afterEach(() => sshd.setRsshAllowed(['scp']));
  it('ends with a progress line that does not claim completion; exit 1', async () => {
    await withTmpfs('1m', async (mnt) => {
      await chown(mnt, sshd.user.uid, sshd.user.gid);
      const r = await runCli(['put', flag, '--progress', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${mnt}/big.bin`)], { stdin: randomBytes(3 << 20) });
      expect(r.status).toBe(1);
      const [progress, error] = r.stderr.split('\n');
      expect(progress!.replace(/^scpipe: big\.bin: /, '')).toMatch(last);
      expect(error).toMatch(/No space left on device|no space left on the remote file system/);
      expect(r.stderr).not.toMatch(/100%|ETA/);
      expect(await readdir(mnt)).toEqual(left);
    });
  });
});

// The connection lost while the last ack was on its way: every byte was
// handed over, none confirmed, and the line before the retry said 100%,
// then "then failed", in the log of a run that ended well.
it('put --progress: the line before a retry says the connection was lost, neither 100% nor failed; the retry stores the file, exit 0', async () => {
  const dir = await userDir(sshd.user, 'progress-retry');
  await relay.hold('ack 3'); // the sink's first \0, the header's, then the data's
  const run = startCli(['put', '-O', '--progress', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  await relay.held();
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  await relay.release();
  const r = await run.done;
  expect(r.status).toBe(0);
  const lines = r.stderr.split('\n');
  const retry = lines.findIndex((l) => /retry 1 of 5/.test(l));
  expect(retry).toBeGreaterThan(0);
  expect(lines[retry - 1]).toBe('scpipe: f: sent 256 KiB of 256 KiB, then the connection was lost');
  expect(r.stderr).not.toMatch(/failed/);
  expect(await readdir(dir)).toEqual(['f']);
});
