// ProFTPD's mod_sftp ORs the options of every scp command of a connection
// into one set it never clears, and runs a command as a download once any
// before it had `-f` (scp.c `scp_opts`): parts uploads, which first look
// for an existing set with `scp -f`, failed with "No such file or directory". Modelled by an ssh2 server with mod_sftp's
// version that runs each command with the options its connection gathered,
// through the real scp; scpipe gives each set of options connections of its own.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, ServerChannel } from 'ssh2';
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-mod-sftp-'));
  const gathered = new WeakMap<Connection, Set<string>>();
  fake = await startHostileSsh({ ident: 'mod_sftp', onExec: (channel, command, conn) => runGathered(channel, command, gathered, conn) });
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

// `scp [-flags] PATH` run with every flag its connection has seen, `-f` winning over `-t`, as mod_sftp does.
function runGathered(channel: ServerChannel, command: string, gathered: WeakMap<Connection, Set<string>>, conn: Connection): void {
  const m = /^scp((?: -[a-z])*) (.*)$/.exec(command)!;
  const seen = gathered.get(conn) ?? new Set<string>();
  gathered.set(conn, seen);
  for (const f of m[1]!.trim().split(' ')) seen.add(f);
  const flags = [...seen].filter((f) => f !== '-t' && f !== '-f');
  flags.push(seen.has('-f') ? '-f' : '-t');
  const child = spawn('sh', ['-c', `scp ${flags.join(' ')} ${m[2]}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.on('close', (code) => {
    channel.exit(code ?? 1);
    channel.end();
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

it('a parts set over SCP is stored whole, its `scp -f` look-ups on a connection of their own', async () => {
  const data = randomBytes(3 * 256 * 1024 + 7);
  const r = await runCli(['put', ...fake!.args(), '-v', '-O', '--retries', '0', '--part-size', '256K', `backup@127.0.0.1:${dir}/set.bin`], { stdin: data });
  expect(r.stderr).toContain('the server is mod_sftp (ProFTPD), whose scp keeps the options of earlier scp commands on a connection: `-t` commands get a connection of their own');
  expect(r.status).toBe(0);
  const parts = (await readdir(dir)).filter((n) => /^set\.bin\.\d{6}$/.test(n)).sort();
  expect(parts).toHaveLength(4);
  expect(sha(Buffer.concat(await Promise.all(parts.map((n) => readFile(join(dir, n))))))).toBe(sha(data));
  const back = await runCli(['get', ...fake!.args(), '-O', `backup@127.0.0.1:${dir}/set.bin`]);
  expect(back.status).toBe(0);
  expect(sha(back.stdout)).toBe(sha(data));
});
