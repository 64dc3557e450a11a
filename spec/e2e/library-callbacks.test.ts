// A callback of the library's caller that throws (onProgress here): the
// transfer stops and the call (put, get, getTo, upload, download) rejects
// with a ScpipeError, ERR_LOCAL_IO with the callback's error as its cause,
// over SCP and SFTP alike, as the README promises of every rejection.
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bandwidthLimit, download, get, getTo, put, putMany, upload, isScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const target = () => connectOptions(sshd, sshd.user);
const boom = new Error('progress callback failed');
const onProgress = (): void => {
  throw boom;
};

function expectCallbackError(err: unknown): void {
  expect(isScpipeError(err, 'ERR_LOCAL_IO')).toBe(true);
  expect((err as Error).cause).toBe(boom);
  // The caller's failure, not the input's.
  expect((err as Error).message).not.toContain('reading input');
}

describe.each(['scp', 'sftp'] as const)('a throwing onProgress over %s', (protocol) => {
  let dir: string;
  beforeEach(async () => {
    dir = await userDir(sshd.user, `cb-${protocol}`);
    await writeFile(join(dir, 'there'), Buffer.alloc(1 << 20, 7));
  });

  it('rejects put', async () => {
    expectCallbackError(await put(target(), `${dir}/up`, Buffer.alloc(1 << 20), { protocol, onProgress }).catch((e: unknown) => e));
  });

  it('rejects put when it throws once bytes are confirmed, and leaves no temporary file', async () => {
    const later = (p: { bytes: bigint }): void => {
      if (p.bytes > 0n) throw boom;
    };
    const unhandled: unknown[] = [];
    const note = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', note);
    try {
      expectCallbackError(await put(target(), `${dir}/up`, Buffer.alloc(4 << 20), { protocol, onProgress: later, retries: 0 }).catch((e: unknown) => e));
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('unhandledRejection', note);
    }
    expect(unhandled).toEqual([]);
    if (protocol === 'sftp') expect(await readdir(dir)).toEqual(['there']);
  });

  it('rejects get, or its done', async () => {
    const err = await get(target(), `${dir}/there`, { protocol, onProgress })
      .then(async (d) => {
        d.body.resume();
        d.body.on('error', () => undefined);
        await d.done;
      })
      .catch((e: unknown) => e);
    expectCallbackError(err);
  });

  it('rejects done when it throws once bytes arrived', async () => {
    const later = (p: { bytes: bigint }): void => {
      if (p.bytes > 0n) throw boom;
    };
    const download = await get(target(), `${dir}/there`, { protocol, onProgress: later });
    download.body.resume();
    const bodyError = new Promise((resolve) => download.body.on('error', resolve));
    expectCallbackError(await download.done.catch((e: unknown) => e));
    expectCallbackError(await bodyError);
  });

  it("rejects done of a parts set's download when it throws once bytes arrived", async () => {
    await put(target(), `${dir}/set`, Buffer.alloc(1 << 20, 3), { protocol, partSize: 256 * 1024, retries: 0 });
    const later = (p: { bytes: bigint }): void => {
      if (p.bytes > 0n) throw boom;
    };
    const download = await get(target(), `${dir}/set`, { protocol, onProgress: later });
    expect(download.manifest).toBeDefined();
    download.body.resume();
    const bodyError = new Promise((resolve) => download.body.on('error', resolve));
    expectCallbackError(await download.done.catch((e: unknown) => e));
    expectCallbackError(await bodyError);
  });

  it('rejects getTo', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    expectCallbackError(await getTo(target(), `${dir}/there`, sink, { protocol, onProgress, retries: 0 }).catch((e: unknown) => e));
  });

  it('rejects upload and download', async () => {
    const local = await mkdtemp(join(tmpdir(), 'scpipe-cb-'));
    try {
      await writeFile(join(local, 'f'), Buffer.alloc(1 << 20));
      expectCallbackError(await upload(target(), [join(local, 'f')], `${dir}/up`, { protocol, onProgress, retries: 0 }).catch((e: unknown) => e));
      expectCallbackError(await download(target(), [`${dir}/there`], local, { protocol, onProgress, retries: 0 }).catch((e: unknown) => e));
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });
});

// putMany's own callbacks: a throw is the caller's failure, said once every
// destination has ended (none goes on writing after putMany settled).
describe('putMany', () => {
  it('a throwing onSettled rejects with ERR_LOCAL_IO once the slower destination has ended too', async () => {
    const dir = await userDir(sshd.user, 'cb-many');
    const ended: number[] = [];
    const slow = { ...target(), bandwidth: bandwidthLimit(16_000) }; // 2 MB/s: about a second behind
    const destinations = [{ target: target(), remotePath: `${dir}/fast` }, { target: slow, remotePath: `${dir}/slow` }];
    const err = await putMany(destinations, Buffer.alloc(2 << 20, 1), () => ({ protocol: 'scp', retries: 0 }), (i) => {
      ended.push(i);
      if (i === 0) throw boom;
    }).catch((e: unknown) => e);
    expectCallbackError(err);
    expect(ended.sort()).toEqual([0, 1]);
    expect((await stat(join(dir, 'slow'))).size).toBe(2 << 20);
  });

  it('optionsFor that throws fails its destination with ERR_LOCAL_IO; the other is stored', async () => {
    const dir = await userDir(sshd.user, 'cb-many');
    const destinations = [{ target: target(), remotePath: `${dir}/a` }, { target: target(), remotePath: `${dir}/b` }];
    const outcomes = await putMany(destinations, Buffer.from('data'), (i) => {
      if (i === 1) throw boom;
      return { retries: 0 };
    });
    expect(outcomes[0]!.ok).toBe(true);
    expectCallbackError(outcomes[1]!.ok ? undefined : outcomes[1]!.error);
  });
});
