// --stall-timeout against server doubles that keep the connection alive (they
// answer keepalives, as ssh2's server does) but take or answer nothing on the
// channel: the transfer fails after the limit, exit 1, naming what it waited for.
import { randomBytes } from 'node:crypto';
import type { ServerChannel } from 'ssh2';
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';
import { startHostileSftp, type FakeEntry, type HostileSftp } from '../helpers/hostile-sftp';

let fake: HostileSsh | HostileSftp | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const STALLED = 'the remote moved no byte for 1 s while scpipe waited for';

it('put -O: a remote scp -t that never opens the channel window fails after the limit, exit 1', async () => {
  let channel: ServerChannel | undefined;
  fake = await startHostileSsh({
    onExec: (ch) => {
      channel = ch;
      ch.write('\0'); // ready; the header acknowledged, then nothing read: the window is never opened again
      ch.once('data', () => {
        ch.pause();
        ch.write('\0');
      });
    },
  });
  const r = await runCli(['put', '-O', '--stall-timeout', '1', '--retries', '0', ...fake.args(), 'backup@127.0.0.1:f'], { stdin: randomBytes(8 << 20) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^scpipe: connection lost [^:]*: ${STALLED} room in the channel window for the data \\(--stall-timeout\\); the remote file f is left cut short`));
  expect(channel).toBeDefined();
});

it('put -s: a server that never answers an SFTP write fails after the limit, exit 1; nothing stored under the name', async () => {
  const sftp = await startHostileSftp({
    stat: (path): FakeEntry | undefined => (path === '/' || path === '.' ? { kind: 'dir' } : undefined),
    list: () => undefined,
    replyInstead: (request) => request === 'WRITE', // taken, never answered
  });
  fake = sftp;
  const r = await runCli(['put', '-s', '--stall-timeout', '1', '--retries', '0', ...sftp.args(), 'backup@127.0.0.1:/f'], { stdin: randomBytes(1 << 20) });
  expect(r.status).toBe(1);
  // As after a connection lost mid-upload: the temporary file cannot be removed, and is said so.
  expect(r.stderr).toMatch(new RegExp(`^scpipe: /\\.f\\.scpipe-\\w{6}: write: the SFTP session ended: ${STALLED} the server's answer to an SFTP write \\(--stall-timeout\\); the partial upload is left in /\\.f\\.scpipe-\\w{6}\\n$`));
  expect([...sftp.uploads.files.keys()].filter((name) => name === '/f')).toEqual([]);
});

it('get -s: a server that never answers an SFTP read fails after the limit, exit 1, nothing written out', async () => {
  const data = randomBytes(1 << 20);
  const sftp = await startHostileSftp({
    stat: (path): FakeEntry | undefined => (path === '/f' ? { kind: 'file', data } : path === '/' || path === '.' ? { kind: 'dir' } : undefined),
    list: () => undefined,
    onRead: () => true, // taken, never answered
  });
  fake = sftp;
  const r = await runCli(['get', '-s', '--stall-timeout', '1', '--retries', '0', ...sftp.args(), 'backup@127.0.0.1:/f']);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`scpipe: /f: read: the SFTP session ended: ${STALLED} the server's answer to an SFTP read (--stall-timeout)\n`);
  expect(r.stdout.length).toBe(0);
});

it('get -O: a remote scp -f that sends nothing after its first record fails after the limit, exit 1', async () => {
  fake = await startHostileSsh({
    onExec: (ch) => ch.once('data', () => ch.write('C0644 1000 f\n')), // after our \0: a header, then silence
  });
  const r = await runCli(['get', '-O', '--stall-timeout', '1', '--retries', '0', ...fake.args(), 'backup@127.0.0.1:f']);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`${STALLED} the remote's data \\(--stall-timeout\\)`));
});
