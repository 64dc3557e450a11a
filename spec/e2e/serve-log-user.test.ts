// The user name in `scpipe serve`'s transfer and refusal lines is written as
// in its login lines (docs/serve.md "Log lines"): one word, spaces as \x20,
// cut at 100 characters. Those lines used to carry the name as the client
// sent it, spaces and all, and whole: a client logging in with a key under a
// name of its choosing could put any words, at any length, in every line.
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

it('writes a chosen user name as one word of at most 100 characters in transfer lines', async () => {
  const user = `evil from 192.0.2.66 port 1 ssh2 ${'y'.repeat(300)}`;
  const args = serve.sshArgs().filter((a) => a !== 'User=backup');
  args.splice(args.lastIndexOf('-o'), 1); // the -o that went with User=backup
  const r = await runProgram('sftp', ['-q', ...args, '-b', '-', `${user}@127.0.0.1`], 'mkdir /logged\n');
  expect(r.status).toBe(0);
  const line = serve.log().split('\n').find((l) => l.endsWith(' sftp mkdir /logged ok'));
  const shown = user.replace(/ /g, '\\x20').slice(0, 100);
  expect(line).toMatch(new RegExp(`^scpipe: ${shown.replace(/[\\.]/g, '\\$&')}@127\\.0\\.0\\.1:\\d+ key SHA256:\\S+ sftp mkdir /logged ok$`));
});
