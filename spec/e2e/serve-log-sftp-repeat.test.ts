// Two uploads of one name over one connection (two `sftp` runs through one
// ControlMaster, or one client putting the name twice before closing the
// first) were logged as one line "over 2 channels", their sizes added up, as
// if `put --parallel` had written one file. Each upload that truncates or
// creates the file is a line of its own, as over SCP; `put --parallel`'s
// further channels, which open the file as it is, still join its line.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client, OpenMode, SFTPWrapper } from 'ssh2';
import { servePerSuite, sftpBatch, ssh2Client } from '../helpers/serve';
import { waitFor } from '../helpers/async';

const serve = servePerSuite();
let client: Client;

beforeAll(async () => {
  client = await ssh2Client(serve);
});
afterAll(() => client.end());

const session = (): Promise<SFTPWrapper> => new Promise((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
const call = <T>(f: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
const uploadLines = (path: string): string[] => serve.log().split('\n').filter((l) => l.includes(` sftp upload ${path} `));

async function put(s: SFTPWrapper, path: string, data: string, flags: OpenMode): Promise<Buffer> {
  const h = await call<Buffer>((cb) => s.open(path, flags, cb));
  await call<void>((cb) => s.write(h, Buffer.from(data), 0, data.length, 0, (err) => cb(err, undefined)));
  return h;
}

it('two puts of one name on two channels, both open at once: a line each, with its own size', async () => {
  const [a, b] = [await session(), await session()];
  const ha = await put(a, '/x', 'aaaa', 'w');
  const hb = await put(b, '/x', 'bbbbbbb', 'w');
  await call<void>((cb) => a.close(ha, (err) => cb(err, undefined)));
  await call<void>((cb) => b.close(hb, (err) => cb(err, undefined)));
  await waitFor(() => uploadLines('/x').length >= 2, 'two upload lines of /x');
  expect(uploadLines('/x').map((l) => l.replace(/^.* sftp upload /, ''))).toEqual(['/x 4 bytes ok', '/x 7 bytes ok']);
  expect(await readFile(join(serve.root, 'x'), 'utf8')).toBe('bbbbbbb');
  a.end();
  b.end();
});

it('two puts of one name on one channel, both open at once: a line each', async () => {
  const s = await session();
  const h1 = await put(s, '/y', 'aaaa', 'w');
  const h2 = await put(s, '/y', 'bb', 'w');
  await call<void>((cb) => s.close(h1, (err) => cb(err, undefined)));
  await call<void>((cb) => s.close(h2, (err) => cb(err, undefined)));
  await waitFor(() => uploadLines('/y').length >= 2, 'two upload lines of /y');
  expect(uploadLines('/y').map((l) => l.replace(/^.* sftp upload /, ''))).toEqual(['/y 4 bytes ok', '/y 2 bytes ok']);
  s.end();
});

it('a further channel opening the file as it is (put --parallel) still joins its line', async () => {
  const [a, b] = [await session(), await session()];
  const ha = await put(a, '/z', 'aaaa', 'w');
  const hb = await call<Buffer>((cb) => b.open('/z', 'r+', cb));
  await call<void>((cb) => b.write(hb, Buffer.from('bbbb'), 0, 4, 4, (err) => cb(err, undefined)));
  await call<void>((cb) => a.close(ha, (err) => cb(err, undefined)));
  await call<void>((cb) => b.close(hb, (err) => cb(err, undefined)));
  await waitFor(() => uploadLines('/z').length >= 1, 'the upload line of /z');
  expect(uploadLines('/z').map((l) => l.replace(/^.* sftp upload /, ''))).toEqual(['/z 8 bytes over 2 channels ok']);
  a.end();
  b.end();
});

it("OpenSSH's sftp putting one name three times: three lines", async () => {
  await writeFile(join(serve.dir, 'three'), 'abc');
  const r = await sftpBatch(serve, [0, 1, 2].map(() => `put ${join(serve.dir, 'three')} /t`));
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  await waitFor(() => uploadLines('/t').length >= 3, 'three upload lines of /t');
  expect(uploadLines('/t')).toHaveLength(3);
});
