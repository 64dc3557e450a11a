// An exec command longer than ssh2's packet bound (OpenSSH's ssh sends one
// of 100 KB in a packet of its own) ends the connection before serve reads
// it: ssh says the connection closed, and serve's log said nothing. Now a
// line names the login and why; the command's bytes are never decrypted,
// so it cannot be shown. Shorter refused commands keep their cut line.
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { waitFor } from '../helpers/async';

const serve = servePerSuite();

it('a 100 KB exec command: ssh exits 255, serve logs the dropped connection and serves on', async () => {
  const r = await runProgram('ssh', [...serve.sshArgs(), '127.0.0.1', `scp -f /${'a'.repeat(100_000)}`]);
  expect(r.status).toBe(255);
  expect(r.stderr).toContain('closed by remote host');
  await waitFor(() => serve.log().includes('connection dropped'), 'the log line of the dropped connection');
  const line = serve.log().split('\n').find((l) => l.includes('connection dropped'))!;
  expect(line).toMatch(/^scpipe: backup@127\.0\.0\.1:\d+ key SHA256:\S+ connection dropped: it sent a packet longer than the 35000 bytes serve reads \(such as a command that long\), which was not read$/);
  // One line, and serve goes on: the next command of 30 KB is read and refused, its line cut.
  const next = await runProgram('ssh', [...serve.sshArgs(), '127.0.0.1', `ls ${'b'.repeat(30_000)}`]);
  expect(next.status).toBe(1);
  await waitFor(() => /refused.*ls b{10}/.test(serve.log()), 'the refused command');
  expect(serve.log().split('\n').filter((l) => l.includes('connection dropped'))).toHaveLength(1);
  expect(serve.log().split('\n').find((l) => l.includes(' ls bbb'))!.length).toBeLessThan(1300);
});

// A download of a 30,000-character name: scp -f says the name is too long,
// and serve's one log line of it is cut as a refused command's, not 30 KB.
it('a download of a 30 KB name: one log line, cut, the name refused', async () => {
  const r = await runProgram('ssh', [...serve.sshArgs(), '127.0.0.1', `scp -f /${'c'.repeat(30_000)}`], '\0');
  expect(r.stdout.length).toBeGreaterThan(0); // the refusal, \x01 and its words
  await waitFor(() => / download \/c{10}/.test(serve.log()), 'the download line');
  const line = serve.log().split('\n').find((l) => / download \/c{10}/.test(l))!;
  expect(line).toMatch(/ failed: /);
  expect(line.length).toBeLessThan(2500);
});
