// Under --transport openssh, a server that logs in and then refuses the exec
// request makes ssh say "exec request failed on channel 0" and exit 255, as
// when it cannot connect: scpipe said only that, exit 255. ProFTPD's mod_sftp
// refuses so a name with a space (it splits the command at white space
// itself; the ssh2 transport sends it such names in double quotes, but ssh
// does not say the server's version here). Now exit 1, naming the refusal
// and --quote double; a server that runs no command at all, as the ssh2
// transport says it. Both modelled by a hostile double.
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

// mod_sftp's refusal: a single-quoted path that its own splitting takes for several words.
const splits = (command: string): boolean => /^scp(?: -[a-z])* (?:-- )?'.*[\s'].*'$/s.test(command) || /\\'/.test(command);

it('a name with a space refused by a server that splits commands itself: exit 1, try --quote double', async () => {
  fake = await startHostileSsh({ ident: 'mod_sftp', refuseExec: splits });
  const r = await runCli(['put', ...fake.args(), '--transport', 'openssh', '-O', '--retries', '0', 'backup@127.0.0.1:o/ot a b'], { stdin: 'hi\n' });
  expect(r).toMatchObject({
    status: 1,
    stderr:
      "scpipe: the server refused the command (ssh: exec request failed on channel 0): a server that splits a command at white space itself, as ProFTPD's mod_sftp does, " +
      'takes a quoted name with a space or a quote in it for several words: try --quote double\n',
  });
  // get's `scp -f` waits for us: the refusal is found once ssh has exited.
  const got = await runCli(['get', ...fake.args(), '--transport', 'openssh', '-O', '--retries', '0', "backup@127.0.0.1:o/it's here"]);
  expect(got.status).toBe(1);
  expect(got.stderr).toContain('the server refused the command (ssh: exec request failed on channel 0): ');
});

it('a server that runs no command at all: exit 1, the server runs no scp, as over the ssh2 transport', async () => {
  fake = await startHostileSsh({ refuseExec: true });
  const r = await runCli(['put', ...fake.args(), '--transport', 'openssh', '-O', '--retries', '0', 'backup@127.0.0.1:plain'], { stdin: 'hi\n' });
  expect(r).toMatchObject({
    status: 1,
    stderr: 'scpipe: the server runs no scp (the server would not run the command (ssh: exec request failed on channel 0)): use --protocol sftp (or auto)\n',
  });
  const ssh2 = await runCli(['put', ...fake.args(), '-O', '--retries', '0', 'backup@127.0.0.1:plain'], { stdin: 'hi\n' });
  expect(ssh2.status).toBe(1);
  expect(ssh2.stderr).toMatch(/^scpipe: the server runs no scp \(the server would not run the command, asked \d+ times: /);
});
