// `scpipe serve` stopped as a service is stopped (systemctl stop, docker
// stop: SIGTERM). It cut every transfer in flight at once, where sshd's
// stop leaves its sessions running: a restart lost every upload under way.
// Now it stops accepting, lets what runs finish for --stop-timeout seconds,
// then cuts the rest (a second signal cuts at once), logging each; it exits
// 0 as sshd does, not 143, which systemd counts as a failed stop; and a
// client that stopped answering does not hold the exit for long.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { CLI, runCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { startServe, type TestServe } from '../helpers/serve';
import { tempWithBytes } from '../helpers/upload-temp';
import { exited, threeUploads } from '../helpers/slow-uploads';

let serve: TestServe | undefined;
const clients: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  await serve?.stop();
  serve = undefined;
});

async function started(extra: string[] = ['--stop-timeout', '60']): Promise<TestServe> {
  serve = await startServe(extra);
  return serve;
}

it('on SIGTERM accepts nothing new, lets the uploads in flight finish whole, and exits 0', async () => {
  const s = await started();
  const { clients: uploads, data } = await threeUploads(s, 3 << 20, clients);
  s.process.kill('SIGTERM');
  await waitFor(() => s.log().includes('a second signal cuts them now'), 'the stop begun');
  const late = await runProgram('scp', [...s.sshArgs(), join(s.dir, 'big'), '127.0.0.1:/late.bin']);
  expect(late.status).not.toBe(0);
  expect(late.stderr).toMatch(/Connection refused/);
  for (const u of uploads) expect([await exited(u.child), u.stderr(), s.log()]).toEqual([0, '', s.log()]);
  expect(await exited(s.process)).toBe(0);
  const log = s.log();
  expect(log).toContain('scpipe: SIGTERM: shutting down\nscpipe: waiting up to 60 s for 3 sessions in progress; accepting nothing new (a second signal cuts them now)\n');
  expect(log).toMatch(/upload \/scp-O\.bin 3145728 bytes ok\n/);
  expect(log).toMatch(/sftp upload \/scp\.bin 3145728 bytes ok\n/);
  expect(log).toMatch(/sftp upload \/sftp\.bin 3145728 bytes ok\n/);
  expect(log.endsWith('scpipe: every session finished\nscpipe: stopped\n')).toBe(true);
  expect((await readdir(s.root)).sort()).toEqual(['scp-O.bin', 'scp.bin', 'sftp.bin']);
  for (const name of ['scp-O.bin', 'scp.bin', 'sftp.bin']) expect((await readFile(join(s.root, name))).equals(data)).toBe(true);
}, 30_000);

it('ends idle connections and idle sftp sessions at once', async () => {
  const s = await started();
  // An interactive sftp waiting at its prompt, and a connection with no session.
  const sftp = spawn('sftp', [...s.sshArgs(), '127.0.0.1'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let said = '';
  sftp.stdout!.on('data', (d: Buffer) => (said += d.toString()));
  sftp.stdin!.write('pwd\n');
  const idle = spawn('ssh', [...s.sshArgs(), '-N', '127.0.0.1'], { stdio: 'ignore' });
  clients.push(sftp, idle);
  await waitFor(() => (s.log().match(/Accepted publickey/g) ?? []).length === 2, 'two logins');
  await waitFor(() => said.includes('Remote working directory: /'), 'the sftp session open');
  const t0 = Date.now();
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(0);
  expect(Date.now() - t0).toBeLessThan(8_000);
  expect(s.log()).toContain('waiting up to 60 s for 1 session in progress; accepting nothing new (a second signal cuts them now)\nscpipe: every session finished\nscpipe: stopped\n');
  expect(await exited(idle)).not.toBe(0);
}, 30_000);

it('cuts what still runs after --stop-timeout, logs each, and leaves no partial file', async () => {
  const s = await started(['--stop-timeout', '1']);
  const { clients: uploads } = await threeUploads(s, 20 << 20, clients);
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(0);
  const log = s.log();
  expect(log).toContain('scpipe: 3 sessions still in progress after 1 s: cut\n');
  expect(log).toMatch(/upload \/scp-O\.bin \d+ bytes failed: the server is shutting down\n/);
  expect(log).toMatch(/sftp upload \/scp\.bin \d+ bytes failed: the server is shutting down \(removed: the upload had created it\)\n/);
  expect(log).toMatch(/sftp upload \/sftp\.bin \d+ bytes failed: the server is shutting down \(removed: the upload had created it\)\n/);
  expect(log.endsWith('scpipe: stopped\n')).toBe(true);
  // scp -t received into a temporary name, removed; SFTP wrote in place, to files it created, removed.
  expect(await readdir(s.root)).toEqual([]);
  // What OpenSSH's clients say, and how they end.
  for (const u of uploads) await waitFor(() => u.stderr().includes('Received disconnect from 127.0.0.1'), 'the client told');
  for (const u of uploads.slice(0, 2)) expect(await exited(u.child)).toBe(1);
  expect([1, 'SIGPIPE']).toContain(await exited(uploads[2]!.child));
}, 30_000);

it('cuts at once on a second signal', async () => {
  const s = await started();
  await threeUploads(s, 20 << 20, clients);
  s.process.kill('SIGTERM');
  await waitFor(() => s.log().includes('a second signal cuts them now'), 'the stop begun');
  const t0 = Date.now();
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(s.log()).toContain('scpipe: SIGTERM again: cutting 3 sessions still in progress\n');
  expect(s.log()).toMatch(/upload \/scp-O\.bin \d+ bytes failed: the server is shutting down\n/);
  expect(await readdir(s.root)).toEqual([]);
}, 30_000);

// A download the cut ended was logged over SFTP as one its client had left
// open (`not closed: the session ended with the file open`), as if the client
// had gone away: the operator could not tell it from lftp's pget.
it('logs a download it cut, over SFTP as over SCP, as cut by the stop', async () => {
  const s = await started(['--stop-timeout', '1']);
  await writeFile(join(s.root, 'big.bin'), Buffer.alloc(20 << 20, 7));
  const downloads = ['-s', '-O'].map((mode) => {
    const child = spawn('scp', [mode, '-l', '800', ...s.sshArgs(), '127.0.0.1:/big.bin', join(s.dir, `got${mode}`)], { stdio: 'ignore' });
    clients.push(child);
    return child;
  });
  await waitFor(() => (s.log().match(/Accepted publickey/g) ?? []).length === 2, 'two logins');
  await waitFor(async () => (await Promise.all(['got-s', 'got-O'].map((f) => readFile(join(s.dir, f)).then((b) => b.length > 0, () => false)))).every(Boolean), 'both downloads under way');
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(0);
  const log = s.log();
  expect(log).toContain('scpipe: 2 sessions still in progress after 1 s: cut\n');
  expect(log).toMatch(/ download \/big\.bin \d+ bytes failed: the server is shutting down\n/);
  expect(log).toMatch(/ sftp download \/big\.bin \d+ bytes failed: the server is shutting down\n/);
  for (const d of downloads) expect(await exited(d)).not.toBe(0);
}, 30_000);

// scpipe put over SFTP writes into a temporary name it created, which the
// cut keeps for the client's retries (serve-restart-resume.test.ts). One
// whose client never comes back is named by that client's next put of the
// target once it is old, and removed by its --remove-stale.
it('a cut scpipe put over SFTP keeps its temporary file, which a later put names once it is old', async () => {
  const s = await started(['--stop-timeout', '0']);
  const child = spawn(process.execPath, [CLI, 'put', '-q', '--retries', '0', ...s.scpipeArgs(), 'backup@127.0.0.1:/db.zst'], { stdio: ['pipe', 'ignore', 'pipe'] });
  clients.push(child);
  child.stdin!.on('error', () => undefined); // EPIPE once put has exited
  child.stdin!.write(Buffer.alloc(1 << 20, 7)); // then the producer pauses
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Bytes written, not just the file: the client has its handle and is in the write stage, which the message names.
  const temp = await tempWithBytes(s.root, 'db.zst');
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(0);
  // The put picks its channels by the round trip it measures: two on a loaded machine.
  expect(s.log()).toMatch(/sftp upload \/\.db\.zst\.scpipe-\w+ \d+ bytes(?: over \d+ channels)? failed: the server is shutting down \(kept for its client to resume\)\n/);
  expect(await readdir(s.root)).toEqual([temp]);
  expect(await exited(child)).toBe(1);
  // With no retries left, the client names what it left, there indeed.
  expect(stderr).toMatch(/^scpipe: \/\.db\.zst\.scpipe-\w+: write: the server ended the SFTP session; the partial upload is left in \/\.db\.zst\.scpipe-\w+\n$/);
  expect(stderr).toContain(temp);

  await s.restart();
  const longAgo = (Date.now() - 2 * 3600_000) / 1000;
  await utimes(join(s.root, temp), longAgo, longAgo);
  const next = await runCli(['put', ...s.scpipeArgs(), 'backup@127.0.0.1:/db.zst'], { stdin: 'the next one' });
  expect(next).toMatchObject({ status: 0, stderr: expect.stringMatching(new RegExp(`^scpipe: warning: /${temp.replace(/\./g, '\\.')} \\([\\d.]+ [KM]iB, last written 2 h ago\\) is left by an upload of this file that did not finish; --remove-stale removes it\n$`)) });
  const swept = await runCli(['put', '--remove-stale', ...s.scpipeArgs(), 'backup@127.0.0.1:/db.zst'], { stdin: 'and the next' });
  expect(swept).toMatchObject({ status: 0, stderr: `scpipe: removed /${temp}, left by an interrupted upload\n` });
  expect(await readdir(s.root)).toEqual(['db.zst']);
}, 30_000);

it('does not wait for a client that stopped answering for more than 5 s once cutting', async () => {
  const s = await started(['--stop-timeout', '0']);
  // ssh running the sink by hand, then stopped: it will never close its side.
  const ssh = spawn('ssh', [...s.sshArgs(), '127.0.0.1', 'scp -t /held'], { stdio: ['pipe', 'ignore', 'ignore'] });
  clients.push(ssh);
  ssh.stdin!.on('error', () => undefined);
  ssh.stdin!.write(`C0644 1000000 held\n${'x'.repeat(1000)}`);
  await waitFor(async () => (await readdir(s.root)).length === 1, 'the upload under way');
  ssh.kill('SIGSTOP');
  const t0 = Date.now();
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(0);
  const took = Date.now() - t0;
  expect(took).toBeGreaterThan(4_000);
  expect(took).toBeLessThan(9_000);
  expect(s.log()).toContain('scpipe: shutdown: 1 connection still open after 5 s: dropped\n');
  expect(s.log()).not.toContain('did not answer');
  expect(await readdir(s.root)).toEqual([]);
}, 30_000);

it('exits at once on a third signal, while the cut waits for a client that stopped answering', async () => {
  const s = await started();
  const ssh = spawn('ssh', [...s.sshArgs(), '127.0.0.1', 'scp -t /held'], { stdio: ['pipe', 'ignore', 'ignore'] });
  clients.push(ssh);
  ssh.stdin!.on('error', () => undefined);
  ssh.stdin!.write(`C0644 1000000 held\n${'x'.repeat(1000)}`);
  await waitFor(async () => (await readdir(s.root)).length === 1, 'the upload under way');
  ssh.kill('SIGSTOP');
  s.process.kill('SIGTERM');
  await waitFor(() => s.log().includes('a second signal cuts them now'), 'the stop begun');
  s.process.kill('SIGTERM');
  await waitFor(() => s.log().includes('SIGTERM again: cutting 1 session still in progress'), 'the cut begun');
  const t0 = Date.now();
  s.process.kill('SIGTERM');
  expect(await exited(s.process)).toBe(143);
  expect(Date.now() - t0).toBeLessThan(3_000);
  expect(s.log()).toContain('scpipe: SIGTERM again: exiting without waiting for the transfers being cut\n');
}, 30_000);

it('exits 130 on SIGINT, as every command', async () => {
  const s = await started();
  s.process.kill('SIGINT');
  expect(await exited(s.process)).toBe(130);
  expect(s.log()).toContain('scpipe: SIGINT: shutting down\nscpipe: interrupted by SIGINT\n');
});

// A stop asked while serve starts (reading its keys, or seconds of records of
// uploads in progress) was lost: serve went on to listen, and served until a
// second signal. Here the keys file is a FIFO, so the start waits on it.
it('on SIGTERM while it starts, stops once started, and exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scpipe-test-serve-'));
  try {
    await mkdir(join(dir, 'root'));
    execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', join(dir, 'client_key')]);
    const keys = join(dir, 'keys');
    execFileSync('mkfifo', [keys]);
    const child = spawn(process.execPath, [CLI, 'serve', '--root', join(dir, 'root'), '--addr', '127.0.0.1:0', '--host-key', join(dir, 'host_key'), '--authorized-keys', keys], { stdio: ['ignore', 'ignore', 'pipe'] });
    clients.push(child);
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    // One of its threads waits in open(2) for the FIFO's writer.
    const waits = async (): Promise<string[]> => Promise.all((await readdir(`/proc/${child.pid}/task`).catch(() => [])).map((t) => readFile(`/proc/${child.pid}/task/${t}/wchan`, 'utf8').catch(() => '')));
    await waitFor(async () => (await waits()).includes('wait_for_partner'), 'serve opening its keys');
    child.kill('SIGTERM');
    // Handled (no longer pending) before the keys come.
    await waitFor(async () => !/^(ShdPnd|SigPnd):\s*0*[1-9a-f]/m.test(await readFile(`/proc/${child.pid}/status`, 'utf8')), 'the signal taken');
    await writeFile(keys, await readFile(join(dir, 'client_key.pub')));
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'serve stopped once started', 15_000);
    expect([child.exitCode, log]).toEqual([0, log]);
    expect(log).toMatch(/^scpipe: listening on 127\.0\.0\.1:\d+, root .*\n(.*\n)*scpipe: SIGTERM: shutting down\nscpipe: stopped\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
