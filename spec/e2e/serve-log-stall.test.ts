// serve's log read by a reader that stops (a stopped `logger`, a terminal
// paused with Ctrl-S): stderr's pipe fills, and a blocking write there had
// stopped the whole server, every client with it. User sees: transfers go
// on; once the reader is back, a line says how many lines were dropped, if any.
import { connect } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../helpers/run-program';
import { startServe, type TestServe } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

let serve: TestServe | undefined;
afterEach(async () => {
  await serve?.stop();
});
const local = tempDirPerTest('scpipe-test-logstall-');

// One connection closed before its version line: one log line of ~70 bytes.
const silentConnection = (port: number): Promise<void> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.destroy());
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });

it('a log reader that stops reading does not stop serve', async () => {
  serve = await startServe(['--max-startups', '100000', '--max-per-address', '100000']);
  await writeFile(join(serve.root, 'f'), 'data');
  serve.process.stderr!.pause(); // the test stops reading: Node's buffer, then the pipe, fill
  // ~200 KB of log: more than the pipe and the reading side's buffer hold.
  for (let i = 0; i < 3000; i++) await silentConnection(serve.port);
  const r = await runProgram('scp', ['-O', ...serve.sshArgs(), '127.0.0.1:/f', join(local(), 'f')], '', { timeoutMs: 20_000 });
  expect(r).toMatchObject({ status: 0 });
  expect(await readFile(join(local(), 'f'), 'utf8')).toBe('data');
  serve.process.stderr!.resume();
});
