// An SCP upload cut off after the remote accepted its header is never
// silent: the serving sshd is killed mid-file (or the user interrupts), and
// the message names the remote file, the bytes of the announced size that
// can have reached it, and that an existing file of that name was replaced;
// the library error carries the same in `cutShort`. Real OpenSSH `scp -t`
// keeps what it got (it truncates only at the end), checked on its disk.
import { chown, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { put, type ScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlags, startCli, type CliRun } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const MiB = 1024 * 1024;
const SIZE = 64 * MiB;

// The first byte of `path` (undefined while it is missing or empty).
async function firstByte(path: string): Promise<number | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(1), 0, 1, 0);
    return bytesRead === 1 ? buffer[0] : undefined;
  } finally {
    await fh.close();
  }
}

// `put -O --size SIZE` into a new directory `dir`, of which the producer has
// given 4 MiB so far and then waits.
async function sizedPut(dir: string, name: string, timeoutMs: number): Promise<{ path: string; input: PassThrough; run: CliRun }> {
  const path = join(await userDir(sshd.user, dir), name);
  const input = new PassThrough();
  const run = startCli(['put', ...sshFlags(sshd, sshd.user), '-O', '--size', String(SIZE), remote(sshd, sshd.user, path)], { stdin: input, timeoutMs });
  input.write(Buffer.alloc(4 * MiB, 1));
  return { path, input, run };
}

// Waits for new bytes (0x01) at the start of `path`, then SIGKILLs every process serving a connection.
async function killWhenWritten(path: string, said: () => string): Promise<void> {
  await waitFor(async () => (await firstByte(path)) === 1, `new bytes in the remote file (stderr so far: ${said()})`, 60_000);
  await dropConnections(sshd);
}

describe('a cut-off remote file is never silent', () => {
  it('put --size, sshd killed mid-file: names the file, the bytes, the file it replaced, and why it was not retried', async () => {
    const dir = await userDir(sshd.user, 'cut');
    const path = join(dir, 'x.bin');
    // An older, longer file of that name: scp -t writes over its start.
    const OLD = SIZE + MiB;
    await writeFile(path, Buffer.alloc(OLD, 0xee));
    await chown(path, sshd.user.uid, sshd.user.gid);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.user), '-O', '--size', String(SIZE), remote(sshd, sshd.user, path)], { stdin: input, timeoutMs: 120_000 });
    input.write(Buffer.alloc(8 * MiB, 1));
    await killWhenWritten(path, run.stderr);
    const r = await run.done;
    input.destroy();
    expect(r.status).toBe(1);
    const m = new RegExp(`the remote file ${path.replace(/[.]/g, '\\.')} is left cut short: at most (\\d+) of ${SIZE} bytes written, over the start of any file of that name \\(a longer one keeps its bytes past them\\)`).exec(r.stderr);
    expect(m).not.toBeNull();
    // The default --retries could not resend a pipe: the user is told why none was made.
    expect(r.stderr).toMatch(/\); not retried: a stream of a given size \(--size\) is sent as it comes, and nothing of it is kept to send again\n$/);
    expect(r.stderr).not.toMatch(/retry 1 of/);
    const written = Number(m![1]);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(SIZE);
    // On the remote disk: at most that many new bytes, then the old file's rest.
    const now = await readFile(path);
    expect(now.length).toBe(OLD);
    const fresh = now.indexOf(0xee);
    expect(fresh).toBeGreaterThan(0);
    expect(fresh).toBeLessThanOrEqual(written);
  }, 150_000);

  // A slow producer: all it gave so far is on the remote disk and scpipe
  // waits for more when the connection goes. The user hears of it then.
  it('put --size, sshd killed while scpipe waits for input: fails at once with the same words', async () => {
    const { path, input, run } = await sizedPut('cut-idle', 'w.bin', 30_000);
    await waitFor(async () => (await stat(path).then((s) => s.size, () => 0)) === 4 * MiB, 'the input on the remote disk', 30_000);
    await dropConnections(sshd);
    const r = await run.done;
    input.destroy();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/connection lost while sending the file data.*; the remote file .*w\.bin is left cut short: at most 4194304 of 67108864 bytes written/);
    expect((await stat(path)).size).toBe(4 * MiB);
  }, 60_000);

  it('library: put over SCP from the spool, retries 0: the error carries cutShort', async () => {
    const dir = await userDir(sshd.user, 'cut-lib');
    const path = join(dir, 'y.bin');
    const running = put(
      { host: '127.0.0.1', port: sshd.port, user: sshd.user.name, identityFiles: [sshd.user.keyPath], configFile: 'none', options: [`UserKnownHostsFile=${sshd.knownHostsPath}`] },
      path,
      Readable.from([Buffer.alloc(SIZE, 1)]),
      { protocol: 'scp', retries: 0 },
    );
    const failed = running.then(() => undefined, (e: unknown) => e as ScpipeError);
    await killWhenWritten(path, () => '');
    const err = await failed;
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION', cutShort: { name: 'y.bin', path, size: BigInt(SIZE) } });
    expect(err!.cutShort!.written).toBeGreaterThan(0n);
    expect(err!.cutShort!.written).toBeLessThan(BigInt(SIZE));
    expect(err!.bytes).toBe(err!.cutShort!.written);
    expect(err!.message).toMatch(/^connection lost while sending the file data.*; the remote file .*y\.bin is left cut short: at most \d+ of 67108864 bytes written/);
  }, 150_000);

  // A Uint8Array went to the channel as one write: until it drained, the
  // error said "at most 0 of 67108864 bytes written" over a file whose start
  // was already new bytes. Now the bytes handed over count (in 256 KiB pieces).
  it('library: a Uint8Array aborted mid-file: cutShort.written is at least what reached the remote file', async () => {
    const dir = await userDir(sshd.user, 'cut-buf');
    const path = join(dir, 'b.bin');
    await writeFile(path, Buffer.alloc(SIZE + MiB, 0xee));
    await chown(path, sshd.user.uid, sshd.user.gid);
    const ac = new AbortController();
    const running = put(connectOptions(sshd, sshd.user), path, Buffer.alloc(SIZE, 1), { protocol: 'scp', retries: 0, signal: ac.signal });
    const failed = running.then(() => undefined, (e: unknown) => e as ScpipeError);
    await waitFor(async () => (await firstByte(path)) === 1, 'new bytes in the remote file', 60_000);
    ac.abort();
    const err = await failed;
    await waitFor(async () => (await sshd.connectionPids()).length === 0, 'the remote scp to end', 10_000);
    const held = await readFile(path);
    const reached = held.indexOf(0xee);
    expect(reached).toBeGreaterThan(0);
    expect(err).toMatchObject({ code: 'ERR_ABORTED', cutShort: { name: 'b.bin', path, size: BigInt(SIZE) } });
    expect(err!.cutShort!.written).toBeGreaterThanOrEqual(BigInt(reached));
    expect(err!.cutShort!.written).toBeLessThan(BigInt(SIZE));
    expect(err!.message).toContain(`is left cut short: at most ${err!.cutShort!.written} of ${SIZE} bytes written`);
  }, 150_000);

  // The error of an abort in the wait before a retry said only "aborted":
  // the file the lost attempt had begun stayed cut short, unsaid.
  it('library: aborted while waiting to retry: the error still names the file cut short', async () => {
    const dir = await userDir(sshd.user, 'cut-wait');
    const path = join(dir, 'r.bin');
    const ac = new AbortController();
    const retried: unknown[] = [];
    const running = put(connectOptions(sshd, sshd.user), path, Buffer.alloc(SIZE, 1), {
      protocol: 'scp', retries: 3, backoffMs: [60_000], signal: ac.signal,
      onRetry: (e) => {
        retried.push(e.error);
        ac.abort();
      },
    });
    const failed = running.then(() => undefined, (e: unknown) => e as ScpipeError);
    await killWhenWritten(path, () => '');
    const err = await failed;
    expect(retried).toHaveLength(1);
    const lost = (retried[0] as ScpipeError).cutShort!;
    expect(lost).toMatchObject({ name: 'r.bin', path, size: BigInt(SIZE) });
    expect(err).toMatchObject({ code: 'ERR_ABORTED', cutShort: lost });
    expect(err!.message).toBe(`aborted while retrying: ${(retried[0] as ScpipeError).message}`);
    expect(err!.message).toContain(`the remote file ${path} is left cut short: at most ${lost.written} of ${SIZE} bytes written`);
  }, 150_000);

  it('put interrupted by SIGINT mid-file: exit 130 and the same words', async () => {
    const { path, input, run } = await sizedPut('cut-int', 'z.bin', 120_000);
    await waitFor(async () => (await stat(path).then((s) => s.size, () => 0)) > 0, 'bytes in the remote file', 60_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    input.destroy();
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/interrupted by SIGINT; the remote file .*z\.bin is left cut short: at most \d+ of 67108864 bytes written/);
  }, 150_000);
});
