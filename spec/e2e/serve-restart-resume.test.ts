// `systemctl restart` of `scpipe serve` in the middle of a streamed
// `scpipe put` over SFTP. The stop removed the upload's temporary file, so
// the client's retry found nothing to resume, and a stream cannot be sent
// again: the backup failed (exit 1). Now the stop keeps scpipe's temporary
// files of the uploads it cuts, and the client, retrying, goes on with its
// own from the new serve, under --append-only still as its key's upload.
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { waitFor } from '../helpers/async';
import { startCli } from '../helpers/cli';
import { startServe, type TestServe } from '../helpers/serve';
import { startThrottleProxy, type ThrottleProxy } from '../helpers/throttle-proxy';
import { tempWithBytes } from '../helpers/upload-temp';

const SIZE = 48 << 20;
const RATE = 6 << 20; // bytes a second: some 8 s for the upload, the restart well inside it
const KEPT = /sftp upload \/\.db\.zst\.scpipe-\w{6} \d+ bytes(?: over \d+ channels)? failed: the server is shutting down \(kept for its client to resume\)\n/;

let serve: TestServe | undefined;
let proxy: ThrottleProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await serve?.stop();
  serve = proxy = undefined;
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// The client through a slow link to serve, so that the stop finds writes in flight.
async function throughSlowLink(s: TestServe): Promise<string[]> {
  proxy = await startThrottleProxy(s.port, RATE);
  const knownHosts = join(s.dir, 'known_hosts_proxy');
  await writeFile(knownHosts, (await readFile(s.knownHostsPath, 'utf8')).replace(`]:${s.port} `, `]:${proxy.port} `));
  const args = s.scpipeArgs();
  args[args.indexOf('-P') + 1] = String(proxy.port);
  args[args.indexOf(`UserKnownHostsFile=${s.knownHostsPath}`)] = `UserKnownHostsFile=${knownHosts}`;
  return args;
}

// What the serve running now writes to its log from here on (restart() starts another).
function logOf(child: ChildProcess): () => string {
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return () => log;
}

/** A streamed put of SIZE random bytes with the client's default retries; serve restarted (SIGTERM) a third of the way. */
async function putAcrossRestart(s: TestServe, extra: string[] = []): Promise<{ status: number | null; stderr: string; data: Buffer; stopLog: string }> {
  const data = randomBytes(SIZE);
  const input = new PassThrough();
  const run = startCli(['put', '--protocol', 'sftp', ...extra, ...(await throughSlowLink(s)), 'backup@127.0.0.1:/db.zst'], { stdin: input, timeoutMs: 90_000 });
  input.end(data); // a pipe: the client reads it once, as it goes
  const temp = await tempWithBytes(s.root, 'db.zst');
  await waitFor(async () => (await stat(join(s.root, temp))).size >= SIZE / 3, 'a third stored', 30_000);
  const stopLog = logOf(s.process);
  await s.restart('SIGTERM');
  const r = await run.done;
  return { status: r.status, stderr: r.stderr, data, stopLog: stopLog() };
}

it('a streamed put over SFTP goes on after serve is restarted mid-upload, and stores the stream whole', async () => {
  const s = (serve = await startServe(['--stop-timeout', '1']));
  const { status, stderr, data, stopLog } = await putAcrossRestart(s);
  expect([status, stderr]).toEqual([0, expect.stringContaining('retry')]);
  expect(stopLog).toMatch(KEPT);
  expect(await readdir(s.root)).toEqual(['db.zst']); // no temporary file left
  expect(sha256(await readFile(join(s.root, 'db.zst')))).toBe(sha256(data));
  expect(s.log()).toMatch(/sftp upload \/\.db\.zst\.scpipe-\w{6} \d+ bytes(?: over \d+ channels)? ok/);
}, 120_000);

it('on an --append-only server, the upload is still its key\'s after the restart, and its record goes once it is stored', async () => {
  // One upload per key: the resumed one is the same upload, not a second.
  const s = (serve = await startServe(['--append-only', '--max-uploads-per-key', '1', '--stop-timeout', '1']));
  const { status, stderr, data, stopLog } = await putAcrossRestart(s);
  expect([status, stderr]).toEqual([0, expect.stringContaining('retry')]);
  expect(stopLog).toMatch(KEPT);
  expect(s.log()).toMatch(/append-only: owners of uploads in progress kept in \S+: 1 on record\n/);
  expect(s.log()).not.toContain('no owner of this upload');
  expect(s.log()).not.toContain('refused');
  expect(await readdir(s.root)).toEqual(['db.zst']);
  expect(sha256(await readFile(join(s.root, 'db.zst')))).toBe(sha256(data));
  const state = join(s.dir, 'state');
  for (const dir of await readdir(state)) expect(await readdir(join(state, dir))).toEqual([]);
}, 120_000);
