// On an --append-only server no client may remove an upload's temporary file
// that its client left (killed, its retries spent), and each holds one of
// its key's --max-uploads-per-key: a serve running for months filled a
// key's share and refused its backups, until someone removed them by hand.
// --expire-uploads-after DAYS removes those on record not written to
// for that long, at each look through the root, and says so file by file;
// never a file that is not on record, nor one open for writing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { waitFor } from '../helpers/async';
import { CLI } from '../helpers/cli';
import { exited } from '../helpers/slow-uploads';
import { sftpBatch, ssh2Client, startServe, type TestServe } from '../helpers/serve';
import { tempWithBytes } from '../helpers/upload-temp';

let serve: TestServe | undefined;
let client: Client | undefined;
const clients: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.kill('SIGKILL');
  client?.end();
  await serve?.stop();
  serve = undefined;
});

const daysAgo = (d: number): number => (Date.now() - d * 86_400_000) / 1000;
const age = (s: TestServe, name: string, days: number): Promise<void> => utimes(join(s.root, name), daysAgo(days), daysAgo(days));
const removedLines = (s: TestServe): string[] => s.log().split('\n').filter((l) => l.includes('--expire-uploads-after'));

async function sftpPut(s: TestServe, target: string): Promise<{ status: number | null; stderr: string }> {
  await writeFile(join(s.dir, 'part'), 'abc');
  const r = await sftpBatch(s, [`put ${join(s.dir, 'part')} ${target}`]);
  return { status: r.status, stderr: r.stderr };
}

it('removes the uploads on record left for longer than asked, which frees their key\'s share; keeps the rest', async () => {
  const s = (serve = await startServe(['--append-only', '--max-uploads-per-key', '4', '--leftover-check-interval', '0.2', '--expire-uploads-after', '2']));
  // scpipe put, killed mid-stream.
  const child = spawn(process.execPath, [CLI, 'put', '-q', ...s.scpipeArgs(), 'backup@127.0.0.1:/db.zst'], { stdio: ['pipe', 'ignore', 'ignore'] });
  clients.push(child);
  child.stdin!.on('error', () => undefined);
  child.stdin!.write(Buffer.alloc(1 << 20, 7));
  const killed = await tempWithBytes(s.root, 'db.zst');
  child.kill('SIGKILL');
  await exited(child);
  // OpenSSH's sftp into such names, never renamed.
  for (const name of ['.old.tar.scpipe-AbCdE1', '.young.tar.scpipe-AbCdE2']) expect(await sftpPut(s, `/${name}`)).toEqual({ status: 0, stderr: '' });
  // One still open for writing.
  client = await ssh2Client(s);
  const sftp = await new Promise<import('ssh2').SFTPWrapper>((resolve, reject) => client!.sftp((err, x) => (err ? reject(err) : resolve(x))));
  await new Promise<Buffer>((resolve, reject) => sftp.open('/.held.scpipe-AbCdE4', 'wx', (err, h) => (err ? reject(err) : resolve(h))));
  // The key's four are on record: a fifth is refused.
  expect((await sftpPut(s, '/.fifth.scpipe-AbCdE5')).status).not.toBe(0);
  // Not on record: put there by hand, or before owners were kept.
  await writeFile(join(s.root, '.manual.scpipe-AbCdE3'), 'x');

  for (const name of [killed, '.old.tar.scpipe-AbCdE1', '.held.scpipe-AbCdE4', '.manual.scpipe-AbCdE3']) await age(s, name, 3);
  await age(s, '.young.tar.scpipe-AbCdE2', 1);
  await waitFor(() => removedLines(s).length >= 2, 'two removals logged');
  const key = /Accepted publickey .* (SHA256:\S+)/.exec(s.log())![1]!;
  expect(removedLines(s).map((l) => l.replace(/\(\d+(\.\d)? (B|KiB|MiB)\)/, '(SIZE)')).sort()).toEqual(
    [killed, '.old.tar.scpipe-AbCdE1'].sort().map((n) => `scpipe: removed /${n} (SIZE), an upload in progress of key ${key} not written to for 2 days (--expire-uploads-after)`).sort(),
  );
  expect((await readdir(s.root)).sort()).toEqual(['.held.scpipe-AbCdE4', '.manual.scpipe-AbCdE3', '.young.tar.scpipe-AbCdE2']);
  // Their records gone with them: the key may start uploads again.
  expect(await sftpPut(s, '/.fifth.scpipe-AbCdE5')).toEqual({ status: 0, stderr: '' });
  expect(s.process.exitCode).toBeNull();
}, 60_000);

it('takes --expire-uploads-after only with --append-only, and a day at least, exit 2', () => {
  // Bounded: a serve that takes the options listens until killed.
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'serve', '--root', '/tmp', '--addr', '127.0.0.1:0', ...args], { encoding: 'utf8', timeout: 20_000 });
  expect(run(['--expire-uploads-after', '30'])).toMatchObject({ status: 2, stderr: 'scpipe: --expire-uploads-after removes the uploads --append-only keeps on record: give it with --append-only\n' });
  expect(run(['--append-only', '--expire-uploads-after', '0.5'])).toMatchObject({ status: 2, stderr: 'scpipe: bad --expire-uploads-after "0.5": give a number of at least 1\n' });
  // Expiry happens at the looks for leftovers: with no look after the start, a long-running serve would expire nothing, unsaid.
  expect(run(['--append-only', '--expire-uploads-after', '30', '--leftover-check-interval', '0'])).toMatchObject({
    status: 2,
    stderr: 'scpipe: --expire-uploads-after removes uploads at each look for leftovers, and --leftover-check-interval 0 looks only at start: give an interval (the default is a day)\n',
  });
});
