// A client's name in serve's messages is escaped exactly once wherever it is
// printed: serve sends it unescaped (as OpenSSH's scp -t does) and each client
// escapes what it prints (OpenSSH's scp through vis(3), scpipe through
// escape.ts), while serve's log escapes it itself. serve escaped it before
// sending too, so a backslash reached the user as `\\` and an ESC as `\\x1b`.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-servenames-');
const at = (path: string): string => `backup@127.0.0.1:${path}`;
// OpenSSH's vis(3) output depends on the locale: a fixed one.
const env = { ...process.env, LC_ALL: 'C.UTF-8' };
// What no terminal should get: C0 controls but the line ends, DEL, C1 controls.
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]/;

const NAME = '/a\\b\x1bc';
const scpGet = (from: string, extra: string[] = []) =>
  runProgram('scp', ['-O', '-q', ...extra, ...serve.sshArgs(), `127.0.0.1:'${from}'`, join(localDir(), 'x')], '', { env });

it('says a missing name to OpenSSH\'s scp -O unescaped, which it shows escaped once', async () => {
  const r = await scpGet(NAME);
  expect(r).toMatchObject({ status: 1, stderr: 'scp: /a\\b\\033c: No such file or directory\n' });
});

it('says a missing upload directory to OpenSSH\'s scp -O unescaped', async () => {
  const f = await runProgram('scp', ['-O', '-q', ...serve.sshArgs(), '/etc/hostname', `127.0.0.1:'${NAME}/x'`], '', { env });
  expect(f).toMatchObject({ status: 1, stderr: 'scp: /a\\b\\033c/x: No such file or directory\n' });
  // Escaped once in the log, which serve writes once the session ended, maybe after scp exited.
  const line = 'upload /a\\\\b\\x1bc/x 0 bytes failed: /a\\\\b\\x1bc/x: No such file or directory';
  await waitFor(() => serve.log().includes(line), 'the failure logged');
});

it('shows a missing name once escaped to scpipe, over scp and over SFTP', async () => {
  const overScp = await runCli(['get', '--protocol', 'scp', ...serve.scpipeArgs(), at(NAME)]);
  expect(overScp).toMatchObject({ status: 1, stderr: 'scpipe: remote: scp: /a\\\\b\\x1bc: No such file or directory\n' });
  const overSftp = await runCli(['get', '--protocol', 'sftp', ...serve.scpipeArgs(), at(NAME)]);
  expect(overSftp.status).toBe(1);
  expect(overSftp.stderr).toContain(': /a\\\\b\\x1bc: No such file or directory');
  expect(overSftp.stderr).not.toContain('\\\\\\\\');
  for (const r of [overScp, overSftp]) expect(r.stderr).not.toMatch(RAW_CONTROL);
});

it('names a file it cannot send, in a tree, once escaped to either client', async () => {
  await mkdir(join(serve.root, 'd'));
  execFileSync('mkfifo', [join(serve.root, 'd', 'p\\q\x1br')]);
  const stock = await scpGet('/d', ['-r']);
  expect(stock).toMatchObject({ status: 1, stderr: 'scp: /d/p\\q\\033r: not a regular file\n' });
  const ours = await runCli(['cp', '-r', '--protocol', 'scp', ...serve.scpipeArgs(), at('/d'), join(localDir(), 'y')]);
  expect(ours.status).toBe(1);
  expect(ours.stderr).toContain('scp: /d/p\\\\q\\x1br: not a regular file\n');
  expect(ours.stderr).not.toMatch(RAW_CONTROL);
});

it('keeps a newline out of an scp message line, and shows it escaped over SFTP', async () => {
  const stock = await scpGet('/n\nl');
  expect(stock).toMatchObject({ status: 1, stderr: 'scp: /n l: No such file or directory\n' });
  const ours = await runCli(['get', '--protocol', 'sftp', ...serve.scpipeArgs(), at('/n\nl')]);
  expect(ours.status).toBe(1);
  expect(ours.stderr).toContain(': /n\\nl: No such file or directory');
  // A name that is not there is not logged (serve-log-scp-files.test.ts); an upload into it is, escaped.
  expect((await runProgram('scp', ['-O', '-q', ...serve.sshArgs(), '/etc/hostname', "127.0.0.1:'/n\nl/x'"], '', { env })).status).toBe(1);
  await waitFor(() => serve.log().includes('/n\\nl/x: No such file or directory'), 'the failure logged');
});

// An SCP record cannot hold a newline: OpenSSH's scp -f sends `b\^Jc`
// (vis(3)), and the copy gets that name; serve sends the rest of the tree
// and names the file it left out. Over SFTP the name goes as it is.
it('sends scp -O -r a tree but a file whose name holds a newline, naming it; scp over SFTP copies it', async () => {
  await mkdir(join(serve.root, 'nl'));
  await writeFile(join(serve.root, 'nl', 'a'), 'a');
  await writeFile(join(serve.root, 'nl', 'b\nc'), 'b');
  const stock = await scpGet('/nl', ['-r']);
  expect(stock).toMatchObject({ status: 1, stderr: 'scp: /nl/b c: cannot send the name "b\\nc": it contains a newline\n' });
  expect(await readdir(join(localDir(), 'x'))).toEqual(['a']);
  const sftp = await runProgram('scp', ['-q', '-r', ...serve.sshArgs(), '127.0.0.1:/nl', join(localDir(), 'y')], '', { env });
  expect(sftp).toMatchObject({ status: 0, stderr: '' });
  expect((await readdir(join(localDir(), 'y'))).sort()).toEqual(['a', 'b\nc']);
});

// Run last: the names of every test above are in the log by now.
it('writes no raw control character of those names to its log', async () => {
  await waitFor(() => serve.log().includes('/d/p\\\\q\\x1br: not a regular file'), 'the tree\'s failure logged');
  expect(serve.log()).not.toMatch(RAW_CONTROL);
});
