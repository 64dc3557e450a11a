// A flood from one address wrote one log line per dropped connection and per
// shell refused, as fast as the client asked. Now the first REPEATS_SAID of
// a kind from one address in a window are logged, and the rest summed up in
// one line when it ends (the window lowered to 3 s here; a minute for users).
// The flooding client is ssh2 (a hostile one: it asks for a shell again and
// again on one connection); stock ssh is refused as before.
import { connect, type Socket } from 'node:net';
import type { Client } from 'ssh2';
import { waitFor } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { servePerSuite, ssh2Client } from '../helpers/serve';

const K = 60;
const serve = servePerSuite(['--max-per-address', '2'], { SCPIPE_TEST_REPEAT_WINDOW_MS: '3000' });
const lines = (re: RegExp): string[] => serve.log().split('\n').filter((l) => re.test(l));

// The lines of `kind`, logged whole and summed up: the counts add up to every
// one; a loaded machine may spread the flood over two windows, each with its 10.
function counted(said: RegExp, kind: string): { said: number; sums: string[]; total: number } {
  const sums = lines(new RegExp(`^scpipe: \\d+ more like this from 127\\.0\\.0\\.1 in the last 3 s: ${kind}$`));
  const n = lines(said).length;
  return { said: n, sums, total: n + sums.reduce((a, l) => a + Number(/(\d+) more/.exec(l)![1]), 0) };
}

function refusedShell(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    client.shell(false, (err, stream) => {
      if (err) return reject(err);
      stream.resume().stderr.resume();
      stream.once('close', () => resolve());
    });
  });
}

it(`${K} shells refused from one address: at most 10 lines a window, then one that counts the rest`, async () => {
  const r = await runProgram('ssh', ['-T', ...serve.sshArgs(), '127.0.0.1']);
  expect(r).toMatchObject({ status: 1, stderr: expect.stringContaining('restricted') });
  const client = await ssh2Client(serve);
  try {
    for (let i = 1; i < K; i++) await refusedShell(client);
  } finally {
    client.end();
  }
  const said = / key SHA256:\S+ refused an interactive shell$/;
  await waitFor(() => counted(said, 'refused an interactive shell').total === K, 'every refusal logged or counted');
  const c = counted(said, 'refused an interactive shell');
  expect(c.said).toBeLessThanOrEqual(10 * (c.sums.length + 1)); // a last window of 10 or fewer has no sum
  expect(c.said + c.sums.length).toBeLessThanOrEqual(22);
  expect(c.sums[0]).toMatch(/^scpipe: \d+ more like this from 127\.0\.0\.1 in the last 3 s: refused an interactive shell$/);
});

const dropped = /drop connection from 127\.0\.0\.1 port \d+: 2 unauthenticated connections from this address \(--max-per-address\)$/;

it(`${K} connections dropped by --max-per-address: at most 10 lines a window, then one that counts the rest`, async () => {
  const sockets: Socket[] = [];
  const closed: Promise<unknown>[] = [];
  try {
    for (let i = 0; i < K + 2; i++) {
      const s = connect(serve.port, '127.0.0.1');
      s.on('error', () => undefined).resume();
      closed.push(new Promise((r) => s.once('close', r)));
      sockets.push(s);
    }
    await waitFor(() => counted(dropped, 'drop connection').total === K, 'every drop logged or counted');
  } finally {
    for (const s of sockets) s.destroy();
  }
  await Promise.all(closed);
  const c = counted(dropped, 'drop connection');
  expect(c.said).toBeLessThanOrEqual(10 * (c.sums.length + 1));
  expect(c.said + c.sums.length).toBeLessThanOrEqual(22);
});
