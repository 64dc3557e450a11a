// Dropbear before 2024.86 closes a channel whose command has not started
// when another command of the connection ends (its bug #321), and may then
// drop the connection: parts over several channels of one connection met it
// at random. Against a server that says it is such a Dropbear, scpipe gives
// each channel a connection of its own (up to four). Modelled by an ssh2
// server with Dropbear's version that closes, certainly, every exec request
// made while another channel of its connection is open.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-dropbear-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

// The command as a server runs it: through sh, with the channel as its stdio.
function runCommand(channel: ServerChannel, command: string): void {
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.on('close', (code) => {
    channel.exit(code ?? 1);
    channel.end();
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

it.each([
  ['dropbear_2022.83', 4],
  ['dropbear_2024.86', 1],
])('a parts set to %s over 4 lanes: one channel per connection where the bug is (%i connection(s))', async (ident, connections) => {
  fake = await startHostileSsh({ ident, closeWhenShared: ident === 'dropbear_2022.83', onExec: runCommand });
  const data = randomBytes(5 * 256 * 1024 + 7);
  const r = await runCli(['put', ...fake.args(), '-v', '-O', '--retries', '0', '--part-size', '256K', '--parallel', '4', `backup@127.0.0.1:${dir}/set.bin`], { stdin: data });
  expect(r.status).toBe(0);
  expect(r.stderr).not.toContain('asking again');
  expect(r.stderr.match(/connecting to /g)).toHaveLength(connections);
  if (connections > 1) expect(r.stderr).toContain(`the server is ${ident} (before 2024.86 it may close a channel opened as another command ends): opened connection 2 for a channel of its own`);
  const parts = (await readdir(dir)).filter((n) => /^set\.bin\.\d{6}$/.test(n)).sort();
  expect(parts).toHaveLength(6);
  expect(sha(Buffer.concat(await Promise.all(parts.map((n) => readFile(join(dir, n))))))).toBe(sha(data));
});
