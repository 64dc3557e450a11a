// --stall-timeout while ssh starts a command (--transport openssh): a server
// that keeps the connection alive (keepalives answered) but never answers
// the channel open, the exec request or the sftp subsystem request left the
// ssh child waiting for ever, and the run with it. ssh says nothing of its
// steps at its log level, so where it cannot prompt (BatchMode) its whole
// start is owed by the remote: exit 1 after the limit, naming the wait,
// retried under --retries. The server ran nothing: nothing written anywhere.
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const STALLED = (what: string) =>
  new RegExp(`the remote moved no byte for 1 s while scpipe waited for ssh's login and the server's answer to opening a channel for ${what} \\(--stall-timeout\\)`);

it.each([
  ['the channel open', 'session'],
  ['the exec request', 'exec'],
] as const)('put -O: a server that never answers %s fails after the limit, exit 1, naming the command', async (_what, ignore) => {
  fake = await startHostileSsh({ ignore });
  const r = await runCli(['put', ...fake.args(), '--transport', 'openssh', '-O', '--stall-timeout', '1', '--retries', '0', 'backup@127.0.0.1:f'], { stdin: 'data' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(STALLED("the exec of scp -t 'f'"));
});

it.each([
  ['-O', 'exec', "the exec of scp -f 'f'"],
  ['-s', 'subsystem', 'the sftp subsystem'],
] as const)('get %s: a server that never answers the %s request fails after the limit, exit 1, nothing on stdout', async (protocol, ignore, what) => {
  fake = await startHostileSsh({ ignore });
  const r = await runCli(['get', ...fake.args(), '--transport', 'openssh', protocol, '--stall-timeout', '1', '--retries', '0', 'backup@127.0.0.1:f']);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(STALLED(what));
  expect(r.stdout.length).toBe(0);
});

it('put -O --retries 1: the stall is retried with a new ssh, which stalls again: exit 1', async () => {
  fake = await startHostileSsh({ ignore: 'exec' });
  const r = await runCli(['put', ...fake.args(), '--transport', 'openssh', '-O', '--stall-timeout', '1', '--retries', '1', 'backup@127.0.0.1:f'], { stdin: 'data' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/retry 1 of 1/);
  expect(r.stderr).toMatch(STALLED("the exec of scp -t 'f'"));
});
