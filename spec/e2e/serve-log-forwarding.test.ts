// Port forwarding (`ssh -L`, `ssh -R`) was refused without a log line, even
// with -v: an operator could not tell why a client's tunnel failed. Now one
// line each at -v only, through the per-address repeat limit: a client that
// asks over and over writes 10 lines a window and then one sum.
import { createServer, connect } from 'node:net';
import { servePerSuite, startServe } from '../helpers/serve';
import { runProgram } from '../helpers/run-program';
import { waitFor } from '../helpers/async';

const serve = servePerSuite(['-v'], { SCPIPE_TEST_REPEAT_WINDOW_MS: '3000' });

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const knock = (port: number): Promise<void> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('error', () => resolve()).on('close', () => resolve());
    c.resume();
  });
const count = (text: string, line: string): number => text.split('\n').filter((l) => l.includes(line)).length;

it('logs each refused ssh -L channel at -v, 10 a window from one address, then how many more', async () => {
  const port = await freePort();
  // At least 12 knocks (the wait may take several). -N holds ssh open: it is killed after 8 s, the tunnel's refusals made by then.
  const ssh = runProgram('ssh', [...serve.sshArgs(), '-N', '-L', `${port}:127.0.0.1:9`, '127.0.0.1'], '', { timeoutMs: 8000 });
  const refused = 'refused port forwarding to 127.0.0.1 port 9';
  await waitFor(async () => (await knock(port), count(serve.log(), refused) > 0), 'a refused tunnel');
  for (let i = 0; i < 11; i++) await knock(port);
  await waitFor(() => /\d+ more like this from 127\.0\.0\.1 in the last 3 s: refused port forwarding\n/.test(serve.log()), 'the sum', 15_000);
  expect(count(serve.log(), refused)).toBe(10);
  expect(serve.log()).toMatch(/backup@127\.0\.0\.1:\d+ key SHA256:\S+ refused port forwarding to 127\.0\.0\.1 port 9\n/);
  await ssh;
}, 30_000);

it('logs a refused ssh -R at -v only', async () => {
  const args = (s: typeof serve): string[] => [...s.sshArgs(), '-N', '-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9', '127.0.0.1'];
  expect(await runProgram('ssh', args(serve), '', { timeoutMs: 8000 })).toMatchObject({ status: 255 });
  await waitFor(() => / refused remote port forwarding from localhost port 0\n/.test(serve.log()), 'the -R line');
  const quiet = await startServe();
  try {
    expect(await runProgram('ssh', args(quiet), '', { timeoutMs: 8000 })).toMatchObject({ status: 255 });
    expect(quiet.log()).not.toMatch(/refused/);
  } finally {
    await quiet.stop();
  }
}, 30_000);
