// A write that the disk refused was answered `big: No space left on device`,
// the path as the client gave it, while the transfer's log line said
// `/big`: two forms of one file. Both now name it from the root, as the
// operator finds it on the server's disk. A request that names a path
// (mkdir, rename, remove, open, stat) failed with the client's text,
// `a/./missing`, where its log line said `/a/missing`: it too is named
// from the root now.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { servePerSuite, ssh2Client } from '../helpers/serve';
import { unmount } from '../helpers/tmpfs';
import { waitFor } from '../helpers/async';

const serve = servePerSuite(['-v']);
const appendOnly = servePerSuite(['--append-only']);

it('a write to a full disk names the file from the root, in the reply and in the log line alike', async () => {
  const small = join(serve.root, 'small');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
  const client = await ssh2Client(serve);
  try {
    const s = await sftpOf(client);
    const handle = await new Promise<Buffer>((resolve, reject) => s.open('small/./big', 'w', (err, h) => (err ? reject(err) : resolve(h))));
    const chunk = Buffer.alloc(32 * 1024);
    let failure: Error | undefined;
    for (let at = 0; failure === undefined && at < 4 * 1024 * 1024; at += chunk.length) {
      failure = await new Promise<Error | undefined>((resolve) => s.write(handle, chunk, 0, chunk.length, at, (err) => resolve(err ?? undefined)));
    }
    expect(failure?.message).toBe('/small/big: No space left on device');
    await new Promise<void>((resolve) => s.close(handle, () => resolve()));
    await waitFor(() => /sftp upload \/small\/big \d+ bytes failed: /.test(serve.log()), 'the log line');
    expect(serve.log()).toMatch(/sftp upload \/small\/big \d+ bytes failed: \/small\/big: No space left on device\n/);
  } finally {
    client.destroy();
    await unmount(small);
  }
});

const sftpOf = (client: Client): Promise<SFTPWrapper> => new Promise((resolve, reject) => client.sftp((err, x) => (err ? reject(err) : resolve(x))));

// The message of the failure `call` is answered with.
const failureOf = (call: (done: (err: Error | null | undefined) => void) => void): Promise<string | undefined> =>
  new Promise((resolve) => call((err) => resolve(err?.message)));

it('a request naming a path that fails names it from the root, in the reply and in the log line alike', async () => {
  await mkdir(join(serve.root, 'a'));
  await writeFile(join(serve.root, 'a', 'file'), 'x');
  const client = await ssh2Client(serve);
  try {
    const s = await sftpOf(client);
    expect(await failureOf((done) => s.mkdir('a/./file', done))).toBe('/a/file: File exists');
    expect(await failureOf((done) => s.rename('a/./missing', 'a/./other', done))).toBe('/a/missing: No such file or directory');
    expect(await failureOf((done) => s.unlink('a/./missing', done))).toBe('/a/missing: No such file or directory');
    expect(await failureOf((done) => s.rmdir('a/./missing', done))).toBe('/a/missing: No such file or directory');
    expect(await failureOf((done) => s.open('a/./missing', 'r', done))).toBe('/a/missing: No such file or directory');
    expect(await failureOf((done) => s.lstat('a/./missing', done))).toBe('/a/missing: No such file or directory');
    expect(await failureOf((done) => s.opendir('a/./file', done))).toBe('/a/file: Not a directory');
    await waitFor(() => serve.log().includes('sftp opendir failed: '), 'the log line');
    expect(serve.log()).toContain('sftp mkdir failed: /a/file: File exists\n');
    expect(serve.log()).toContain('sftp rename failed: /a/missing: No such file or directory\n');
    expect(serve.log()).toContain('sftp remove failed: /a/missing: No such file or directory\n');
  } finally {
    client.destroy();
  }
});

it('an append-only server names a missing path from the root too', async () => {
  await mkdir(join(appendOnly.root, 'a'));
  const client = await ssh2Client(appendOnly);
  try {
    const s = await sftpOf(client);
    expect(await failureOf((done) => s.unlink('a/./missing', done))).toBe('/a/missing: No such file or directory');
    expect(await failureOf((done) => s.rename('a/./missing', 'a/./other', done))).toBe('/a/missing: No such file or directory');
  } finally {
    client.destroy();
  }
});

it('an append-only refusal names the path from the root, in the reply and in the log line alike', async () => {
  await mkdir(join(appendOnly.root, 'b'));
  await writeFile(join(appendOnly.root, 'b', 'file'), 'x');
  const client = await ssh2Client(appendOnly);
  try {
    const s = await sftpOf(client);
    expect(await failureOf((done) => s.unlink('b/./file', done))).toBe('/b/file: append-only server: nothing is removed');
    await waitFor(() => appendOnly.log().includes('sftp remove refused: '), 'the log line');
    expect(appendOnly.log()).toContain('sftp remove refused: /b/file: append-only server: nothing is removed\n');
  } finally {
    client.destroy();
  }
});
