// ProFTPD's mod_sftp ORs the options of every scp command of a connection
// into one set it never clears, and runs a command as a download once any
// before it had `-f` (scp.c `scp_opts`): parts uploads, which first look
// for an existing set with `scp -f`, failed with "No such file or directory". Modelled by an ssh2 server with mod_sftp's
// version that runs each command with the options its connection gathered,
// through the real scp; scpipe gives each set of options connections of its own.
// mod_sftp also splits the command into words itself, reading double quotes
// only: scpipe sends the path to it in double quotes. And its scp serves one
// download per connection at a time: each `scp -f` gets a connection to itself.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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

// `scp [-flags] PATH` run with every flag its connection has seen, `-f`
// winning over `-t`, and PATH split into words as mod_sftp splits it
// (pr_str_get_word: white space, double quotes with `\` escapes; single
// quotes taken off a whole word only); more than one word is refused.
const downloading = new WeakMap<Connection, number>();

function runGathered(channel: ServerChannel, command: string, gathered: WeakMap<Connection, Set<string>>, conn: Connection): void {
  const m = /^scp((?: -[a-z])*) (.*)$/s.exec(command)!;
  const seen = gathered.get(conn) ?? new Set<string>();
  gathered.set(conn, seen);
  for (const f of m[1]!.trim().split(' ')) seen.add(f);
  const flags = [...seen].filter((f) => f !== '-t' && f !== '-f');
  flags.push(seen.has('-f') ? '-f' : '-t');
  const words = modSftpWords(m[2]!);
  if (words[0] === '--') flags.push(words.shift()!);
  if (words.length !== 1) {
    channel.stderr.write(`scp: ${words.length} paths\n`);
    channel.exit(1);
    return void channel.end();
  }
  // Its scp serves one download per connection: a second `scp -f` at once resets the connection.
  const downloads = (downloading.get(conn) ?? 0) + (flags.includes('-f') ? 1 : 0);
  if (downloads > 1) return void conn.end();
  downloading.set(conn, downloads);
  const child = spawn('scp', [...flags, words[0]!], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('close', () => flags.includes('-f') && downloading.set(conn, downloading.get(conn)! - 1));
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.on('close', (code) => {
    channel.exit(code ?? 1);
    channel.end();
  });
}

function modSftpWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) return words;
    let word = '';
    const quoted = text[i] === '"';
    if (quoted) i++;
    while (i < text.length && (quoted ? text[i] !== '"' : !/\s/.test(text[i]!))) {
      if (text[i] === '\\' && quoted && i + 1 < text.length) i++;
      word += text[i++];
    }
    i++;
    words.push(!quoted && word.length > 1 && word.startsWith("'") && word.endsWith("'") ? word.slice(1, -1) : word);
  }
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

it('names with white space, quotes, `!` and `\\` go and come back over SCP (mod_sftp reads double quotes only)', async () => {
  const name = `it's a "file" ! \\ $x`;
  const r = await runCli(['put', ...fake!.args(), '-O', `backup@127.0.0.1:${dir}/${name}`], { stdin: Buffer.from('one\n') });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(await readFile(join(dir, name), 'utf8')).toBe('one\n');
  await writeFile(join(dir, name), 'two\n');
  const back = await runCli(['get', ...fake!.args(), '-O', `backup@127.0.0.1:${dir}/${name}`]);
  expect(back.stderr).toBe('');
  expect(back.stdout.toString()).toBe('two\n');
});

it('get -O of a parts set, 4 parts at once: each download on a connection of its own, byte-exact', async () => {
  const data = randomBytes(4 * 256 * 1024);
  const up = await runCli(['put', ...fake!.args(), '-O', '--part-size', '256K', `backup@127.0.0.1:${dir}/s.bin`], { stdin: data });
  expect(up.status).toBe(0);
  const back = await runCli(['get', ...fake!.args(), '-v', '-O', '--retries', '0', '--parallel', '4', `backup@127.0.0.1:${dir}/s.bin`]);
  expect(back.stderr).toContain('the server is mod_sftp (ProFTPD), whose scp serves one download per connection at a time: opened connection 2 for a channel of its own');
  expect(back.status).toBe(0);
  expect(sha(back.stdout)).toBe(sha(data));
});
