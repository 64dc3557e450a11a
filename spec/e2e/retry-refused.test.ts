// A retry after a lost connection that the server refuses at the login: the
// host key changed while the connection was down (even under
// StrictHostKeyChecking=accept-new, as ssh refuses a changed key), or the key
// was taken out of authorized_keys. The run ends there, exit 255 as ssh's,
// and its message still says what the first loss left remotely: before, it
// was the refusal alone, and the file `scp -t` left cut short went unsaid.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
let local: string;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-refused-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

// An SCP put from the spool, at 1 MB/s, cut once bytes are in the remote file; `refuse` runs during the first backoff.
async function cutThenRefuse(knownHosts: string, refuse: (file: string) => Promise<void>): Promise<{ status: number | null; stderr: string; file: string }> {
  const dir = await userDir(sshd.rssh, 'refused');
  const file = join(dir, 'f.bin');
  const flags = ['-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-F', 'none'];
  const run = startCli(['put', ...flags, '-O', '-l', '8000', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f.bin`)], { stdin: randomBytes(8 * 1024 * 1024), timeoutMs: 60_000 });
  await waitFor(async () => ((await stat(file).catch(() => undefined))?.size ?? 0) > 0, 'bytes in the remote file', 30_000);
  await dropConnections(sshd);
  await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
  await refuse(file);
  return { ...(await run.done), file };
}

it('a host key changed while the connection was down: refused at the first retry, exit 255, the file cut short still said', async () => {
  const knownHosts = join(local, 'known_hosts');
  await writeFile(knownHosts, await readFile(sshd.knownHostsPath));
  const wrongKey = (await readFile(`${sshd.wrongKeyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  const r = await cutThenRefuse(knownHosts, () => writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`));
  expect(r.status).toBe(255);
  const last = r.stderr.trimEnd().split('\n').pop()!;
  expect(last).toMatch(/^scpipe: connection lost while sending the file data; the remote file \S+\/f\.bin is left cut short: at most \d+ of 8388608 bytes written, .*; retry 1 was refused: REMOTE HOST IDENTIFICATION HAS CHANGED for \[127\.0\.0\.1\]:\d+/);
  expect(r.stderr.match(/; retry \d of 5 in/g)).toHaveLength(1);
  expect((await stat(r.file)).size).toBeLessThan(8 * 1024 * 1024);
});

it('the key taken out of authorized_keys while the connection was down: refused at the first retry, exit 255, the file cut short still said', async () => {
  const keys = join(sshd.dir, 'authorized_keys', sshd.rssh.name);
  const saved = await readFile(keys);
  try {
    const r = await cutThenRefuse(sshd.knownHostsPath, () => writeFile(keys, ''));
    expect(r.status).toBe(255);
    const last = r.stderr.trimEnd().split('\n').pop()!;
    expect(last).toMatch(/^scpipe: connection lost while sending the file data; the remote file \S+\/f\.bin is left cut short: at most \d+ of 8388608 bytes written, .*; retry 1 was refused: scpipe-rssh@127\.0\.0\.1: Permission denied/);
    expect(r.stderr.match(/; retry \d of 5 in/g)).toHaveLength(1);
  } finally {
    await writeFile(keys, saved);
  }
});

// The remote refuses the retry before writing (the file made read-only
// meanwhile): before, only `remote: scp: …: Permission denied`, and the file
// the first attempt left cut short under the target's name went unsaid.
it('the remote file made read-only while the connection was down: exit 1, the file cut short still said', async () => {
  const r = await cutThenRefuse(sshd.knownHostsPath, (file) => chmod(file, 0o444));
  expect(r.status).toBe(1);
  const last = r.stderr.trimEnd().split('\n').pop()!;
  expect(last).toMatch(/^scpipe: connection lost while sending the file data; the remote file \S+\/f\.bin is left cut short: at most \d+ of 8388608 bytes written, .*; retry 1 failed: remote: scp: \S+\/f\.bin: Permission denied$/);
  expect((await stat(r.file)).size).toBeLessThan(8 * 1024 * 1024);
});
