// The library as another program would use it: an ssh2 Client it owns, or
// connection options; a Buffer, a Readable, an async iterable; AbortSignal.
import { getEventListeners } from 'node:events';
import { chown, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { Client } from 'ssh2';
import { formatManifest, get, getTo, put, putMany, isScpipeError, type PartsResult, type Progress } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'lib');
});

const target = () => connectOptions(sshd, sshd.rssh);

describe('library put()', () => {
  it('sends a Buffer without spooling and reports progress', async () => {
    const seen: Progress[] = [];
    const result = await put(target(), `${dir}/buf.bin`, Buffer.from('buffer body'), { onProgress: (p) => seen.push(p) });
    expect(result).toMatchObject({ bytes: 11n, spooled: 'none', exit: { code: 0, signal: null } });
    expect(seen[seen.length - 1]).toEqual({ name: 'buf.bin', phase: 'transfer', bytes: 11n, total: 11n });
    expect(await readFile(join(dir, 'buf.bin'), 'utf8')).toBe('buffer body');
  });

  it('spools an async iterable of unknown size in memory', async () => {
    async function* gen() {
      for (let i = 0; i < 100; i++) yield Buffer.from(`line ${i}\n`);
    }
    const result = await put(target(), `${dir}/gen.txt`, gen(), { mode: 0o600, preserve: true, times: { mtime: 1234567890n, atime: 1234567890n } });
    expect(result.spooled).toBe('memory');
    const st = await stat(join(dir, 'gen.txt'));
    expect(st.size).toBe(Number(result.bytes));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.mtimeMs).toBe(1234567890000);
  });

  it('runs on an ssh2 Client the caller owns, and leaves it open', async () => {
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ host: '127.0.0.1', port: sshd.port, username: sshd.rssh.name, privateKey: readFileSync(sshd.rssh.keyPath) });
    });
    try {
      await put(client, `${dir}/one`, Readable.from([Buffer.from('1')]));
      await put(client, `${dir}/two`, Buffer.from('2'));
      expect((await readdir(dir)).sort()).toEqual(['one', 'two']);
    } finally {
      client.end();
    }
  });

  it('refuses a stream that has already ended, and leaves the remote file as it was', async () => {
    await put(target(), `${dir}/kept`, Buffer.from('the last good backup'));
    const used = Readable.from([Buffer.from('read elsewhere')]);
    used.resume();
    await new Promise((resolve) => used.once('end', resolve));
    const err = await put(target(), `${dir}/kept`, used).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_USAGE', message: 'the input stream has already ended (its bytes were read before this call): nothing was stored' });
    expect(await readFile(join(dir, 'kept'), 'utf8')).toBe('the last good backup');
    await expect(putMany([{ target: target(), remotePath: `${dir}/kept` }], used, () => ({}))).rejects.toMatchObject({ code: 'ERR_USAGE' });
    expect(await readFile(join(dir, 'kept'), 'utf8')).toBe('the last good backup');
  });

  // A producer (a child's stdout) writing into an input no one reads any more
  // blocked for ever after a failed login, or an SFTP upload refused at its open.
  it('ends the input stream when it fails, also before reading it', async () => {
    const refused = new PassThrough();
    refused.write('some bytes');
    const wrongKey = { ...target(), identityFiles: [sshd.user.keyPath] };
    await expect(put(wrongKey, `${dir}/never`, refused, { retries: 0 })).rejects.toMatchObject({ code: 'ERR_AUTH' });
    expect(refused.destroyed).toBe(true);
    const jailed = new PassThrough();
    jailed.write('some bytes');
    await expect(put(connectOptions(sshd, sshd.sftp), '/no/such/dir/f', jailed, { retries: 0 })).rejects.toMatchObject({ code: 'ERR_NO_SUCH_FILE' });
    expect(jailed.destroyed).toBe(true);
  });

  it('putMany ends the input stream when every destination failed', async () => {
    const refused = new PassThrough();
    refused.write('some bytes');
    const wrongKey = { ...target(), identityFiles: [sshd.user.keyPath] };
    const outcomes = await putMany([{ target: wrongKey, remotePath: `${dir}/a` }, { target: wrongKey, remotePath: `${dir}/b` }], refused, () => ({ retries: 0 }));
    expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
    expect(refused.destroyed).toBe(true);
  });

  // Each destination's put() listened on the caller's signal: with more than
  // ten targets Node printed "MaxListenersExceededWarning: Possible
  // EventTarget memory leak detected" on stderr of an ordinary run. Now one
  // listener stands for them all. Left remotely: every file.
  it('putMany to twelve destinations listens once on the caller\'s signal', async () => {
    const controller = new AbortController();
    let most = 0;
    const onProgress = (): void => {
      most = Math.max(most, getEventListeners(controller.signal, 'abort').length);
    };
    const destinations = Array.from({ length: 12 }, (_, i) => ({ target: target(), remotePath: `${dir}/many${i}` }));
    const outcomes = await putMany(destinations, Buffer.alloc(1 << 20, 3), () => ({ signal: controller.signal, retries: 0, onProgress }));
    expect(outcomes.map((o) => o.ok)).toEqual(Array(12).fill(true));
    expect(most).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect((await readdir(dir)).filter((n) => n.startsWith('many')).length).toBe(12);
  });

  it('rejects a pre-aborted signal before connecting', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await put(target(), `${dir}/never`, Buffer.from('x'), { signal: ac.signal }).catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_ABORTED')).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('aborts mid-stream with ERR_ABORTED', async () => {
    const ac = new AbortController();
    async function* slow() {
      for (let i = 0; ; i++) {
        if (i === 20) ac.abort('SIGINT');
        yield Buffer.alloc(1024);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const err = await put(target(), `${dir}/aborted`, slow(), { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ABORTED', signal: 'SIGINT' });
  });

  it('rejects with typed errors carrying a stable code and the remote message', async () => {
    const err = await put(target(), `${dir}/no/such/dir/f`, Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NO_SUCH_FILE', remoteMessage: `scp: ${dir}/no/such/dir/f: No such file or directory` });
  });
});

describe('library code written before the parts lists were made when first read (5649ec3 and earlier)', () => {
  it("a parts put's result and a got set's manifest: each list reads, sets, deletes and edits as the plain property it was", async () => {
    const result = await put(target(), `${dir}/set`, Buffer.alloc(40, 7), { partSize: 16 });
    const parts = result.parts!;
    expect(parts.parts.map((p) => p.size)).toEqual([16n, 16n, 8n]);
    parts.parts = parts.parts.filter((p) => p.size === 16n); // threw: 'has only a getter'
    expect(parts.parts).toHaveLength(2);
    delete (parts as Partial<PartsResult>).parts;
    expect(parts.parts).toBeUndefined();
    // A set an earlier scpipe stored (spec/fixtures/compat/README.md).
    cpSync(join(__dirname, '../fixtures/compat/5649ec3'), dir, { recursive: true });
    const got = await get(target(), `${dir}/-db.zst`);
    got.body.resume();
    await got.done;
    const manifest = got.manifest!;
    expect(manifest.parts).toHaveLength(3);
    manifest.parts.pop();
    expect(formatManifest({ ...manifest, size: 32n })).toContain('# parts 2\n');
    expect(formatManifest(manifest)).toContain('# parts 2\n'); // said 3: the list read was not the one written
  });
});

describe('library get()', () => {
  it('an abort ends a download over SCP whose body is no longer read', async () => {
    await writeFile(join(dir, 'big'), Buffer.alloc(16 << 20, 7));
    const ac = new AbortController();
    const download = await get(target(), `${dir}/big`, { protocol: 'scp', signal: ac.signal });
    const bodyError = new Promise((resolve) => download.body.once('error', resolve));
    download.body.once('data', () => download.body.pause()); // the consumer stops reading
    setTimeout(() => ac.abort(), 200);
    await expect(download.done).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(await bodyError).toMatchObject({ code: 'ERR_ABORTED' });
  });

  // A caller that gives up on a download destroys its body: the transfer
  // stops there and `done` says it was not read to its end, over either protocol.
  it.each(['scp', 'sftp'] as const)('a body destroyed by its reader stops the download over %s; done rejects', async (protocol) => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const size = 64 << 20;
    await writeFile(join(dir, 'big'), Buffer.alloc(size, 7));
    let received = 0n;
    const download = await get(target(), `${dir}/big`, { protocol, onProgress: (p) => (received = p.bytes) });
    download.body.once('data', () => download.body.destroy());
    await expect(download.done).rejects.toMatchObject({ code: 'ERR_LOCAL_IO', message: 'the download was not read to its end' });
    expect(received).toBeLessThan(BigInt(size));
  });

  // `done` carries the failure: a body not yet attached anywhere (no
  // 'error' listener) must not crash the caller's process with it.
  it.each(['scp', 'sftp'] as const)('an abort before the body is read rejects done over %s, and nothing is thrown at the caller', async (protocol) => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    await writeFile(join(dir, 'big'), Buffer.alloc(16 << 20, 7));
    const ac = new AbortController();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const download = await get(target(), `${dir}/big`, { protocol, signal: ac.signal });
      ac.abort();
      await expect(download.done).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('getTo into a stream: an output that stops draining, closes or fails ends it with a ScpipeError', async () => {
    await writeFile(join(dir, 'big'), Buffer.alloc(16 << 20, 7));
    const ac = new AbortController();
    const stuck = new Writable({ highWaterMark: 1024, write: () => undefined }); // never calls back
    setTimeout(() => ac.abort(), 200);
    await expect(getTo(target(), `${dir}/big`, stuck, { protocol: 'scp', signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    const closing: Writable = new Writable({ write: () => void closing.destroy() });
    await expect(getTo(target(), `${dir}/big`, closing, { protocol: 'scp' })).rejects.toMatchObject({
      code: 'ERR_LOCAL_IO',
      message: 'cannot write the output: it was closed before the download ended',
    });
    const failing = new Writable({ write: (_c, _e, cb) => cb(new Error('disk on fire')) });
    failing.on('error', () => undefined);
    await expect(getTo(target(), `${dir}/big`, failing, { protocol: 'scp' })).rejects.toMatchObject({ name: 'ScpipeError', code: 'ERR_LOCAL_IO', message: 'cannot write the output: disk on fire' });
  });
});

// A caller's Client outlives each call: whatever channel a call opened on it
// must be closed when the call ends. An SFTP put left its first channel
// open, so under OpenSSH's default MaxSessions 10 the 10th call was refused.
describe('library put() and get() over SFTP on an ssh2 Client the caller owns', () => {
  const sshd10 = sshdPerSuite({ maxSessions: 10 });

  it('closes its channels: a dozen puts in a row, some failing, and gets of missing files and sets, under MaxSessions 10', async () => {
    const own = await userDir(sshd10.user, 'own-client');
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ host: '127.0.0.1', port: sshd10.port, username: sshd10.user.name, privateKey: readFileSync(sshd10.user.keyPath) });
    });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 12; i++) {
        const path = i % 4 === 3 ? `${own}/no/such/dir/f` : `${own}/f${i}`;
        const r = await put(client, path, Buffer.from(`body ${i}`), { protocol: 'sftp', noClobber: i === 5 ? true : undefined }).then((res) => res.protocol, (e: unknown) => (e as { code: string }).code);
        outcomes.push(r);
      }
      expect(outcomes).toEqual(['sftp', 'sftp', 'sftp', 'ERR_NO_SUCH_FILE', 'sftp', 'sftp', 'sftp', 'ERR_NO_SUCH_FILE', 'sftp', 'sftp', 'sftp', 'ERR_NO_SUCH_FILE']);
      expect(await readFile(join(own, 'f10'), 'utf8')).toBe('body 10');
      // get over SFTP of a missing file, and of a parts set (missing as a file first)
      await put(client, `${own}/set`, Buffer.alloc(3000, 7), { protocol: 'sftp', partSize: 1024 });
      for (let i = 0; i < 6; i++) {
        await expect(get(client, `${own}/none`, { protocol: 'sftp' })).rejects.toMatchObject({ code: 'ERR_NO_SUCH_FILE' });
        const set = await get(client, `${own}/set`, { protocol: 'sftp' });
        set.body.resume();
        await set.done;
      }
      expect((await put(client, `${own}/last`, Buffer.from('last'), { protocol: 'sftp' })).protocol).toBe('sftp');
    } finally {
      client.end();
    }
  });

  // An abort while the remote scp had not yet said it was ready left that
  // channel open (a parts upload has several lanes in that state at once).
  it('an SCP put aborted before the remote scp answered closes its channel: ten of them, then a put', async () => {
    const own = await userDir(sshd10.user, 'own-client-scp');
    const slowScp = join(own, 'slow-scp');
    await writeFile(slowScp, '#!/bin/sh\nsleep 2\nexec scp "$@"\n', { mode: 0o755 });
    await chown(slowScp, sshd10.user.uid, sshd10.user.gid);
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ host: '127.0.0.1', port: sshd10.port, username: sshd10.user.name, privateKey: readFileSync(sshd10.user.keyPath) });
    });
    try {
      for (let i = 0; i < 10; i++) {
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 300);
        await expect(put(client, `${own}/f`, Buffer.from('x'), { protocol: 'scp', scpPath: slowScp, signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      }
      expect((await put(client, `${own}/last`, Buffer.from('last'), { protocol: 'scp' })).protocol).toBe('scp');
      expect(await readFile(join(own, 'last'), 'utf8')).toBe('last');
    } finally {
      client.end();
    }
  }, 60_000);
});
