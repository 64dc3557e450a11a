// After a signal, clean-ups of several uploads on one connection (the parts
// of a set, the files of cp) run side by side; the first one the slow link
// holds up drops the connection. One whose clean-up starts only after that
// finds its session ended, yet its temporary file is still on the server: it
// is removed over a new connection, not reported as left behind, within a
// bound the wall clock does not move.
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScpipeError } from '../../lib/errors';
import { Reconnector } from '../../lib/client/reconnect';
import { RemovalAfterAbort, removeTempAfterAbort } from '../../lib/client/sftp-remove-temp';
import { SftpTreeWriter } from '../../lib/client/sftp-tree-writer';
import { SftpSession } from '../../lib/sftp/session';
import { waitFor } from '../helpers/async';
import { knownHostsFor, startLatencyProxy } from '../helpers/latency-proxy';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const interrupted = (): ScpipeError => new ScpipeError('ERR_ABORTED', 'interrupted by SIGINT');

// A session of `conn`'s current connection with `name` open for writing in a new directory; the directory too.
async function writing(conn: Reconnector, name: string) {
  const dir = await userDir(sshd.sftp, 'after-drop');
  const temp = `${remotePath(sshd.sftp, dir)}/${name}`;
  const { opener, generation } = conn.current();
  const session = new SftpSession((await opener.sftp(new AbortController().signal)).session, 'sftp', opener.whyLost);
  const handle = await session.open(temp, 'w');
  await session.write(handle, Buffer.alloc(4096, 1), 0, temp);
  return { dir, temp, session, handle, generation };
}

it('a part whose clean-up starts after another part dropped the connection removes its temporary file', async () => {
  const conn = new Reconnector(connectOptions(sshd, sshd.sftp));
  try {
    const part = await writing(conn, '.part.0001.scpipe-abc123');
    conn.drop(part.generation); // another part's clean-up, held up by the slow link
    await waitFor(() => part.session.ended, 'the dropped session to end');
    const lines: string[] = [];
    const failure = await removeTempAfterAbort(conn, [{ session: part.session, handle: part.handle }], { target: `${part.temp}.final`, temp: part.temp }, interrupted(), { log: (l) => lines.push(l) }, part.generation);
    expect((failure as Error).message).toBe('interrupted by SIGINT');
    expect(await readdir(part.dir)).toEqual([]);
    expect(lines).toContain(`sftp: removed ${part.temp} over a new connection`);
  } finally {
    conn.close();
  }
});

it('a cp file whose clean-up starts after another file dropped the connection removes its temporary file', async () => {
  const conn = new Reconnector(connectOptions(sshd, sshd.sftp));
  const removal = new RemovalAfterAbort(() => conn.drop(conn.current().generation), () => conn.current().opener);
  const abort = new AbortController();
  try {
    const first = await writing(conn, '.a.bin.scpipe-abc123');
    const writer = new SftpTreeWriter(first.session, { path: remotePath(sshd.sftp, first.dir), isDirectory: true }, { preserve: false, signal: abort.signal, afterAbort: removal });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const body = async function* () {
      yield Buffer.alloc(4096, 2);
      await gate; // the abort reaches this file only after the connection was dropped
      yield Buffer.alloc(4096, 2);
    };
    const sending = writer.sendFile({ name: 'b.bin', size: 1n << 20n, mode: 0o644, body: body() }).then(() => undefined, (e: unknown) => e);
    const temps = async (): Promise<string[]> => (await readdir(first.dir)).filter((n) => n.startsWith('.b.bin.scpipe-'));
    await waitFor(async () => (await temps()).length === 1, "b.bin's temporary file");
    // a.bin's removal never answers on the old session (writes queued on the link): the connection is dropped.
    expect(await removal.settle(first.temp, new Promise(() => undefined))).toBeUndefined();
    await waitFor(() => first.session.ended, 'the dropped session to end');
    abort.abort(interrupted());
    release();
    expect(await sending).toMatchObject({ code: 'ERR_ABORTED' });
    expect(await readdir(first.dir)).toEqual([]);
  } finally {
    removal.end();
    conn.close();
  }
});

// The bound on removals over the new connection is timed by the monotonic
// clock: by the wall clock, one stepped forward (NTP, a resumed VM) between
// two removals gave the second none of it, and its file was reported left.
it('a removal after the wall clock stepped forward an hour still gets the new connection', async () => {
  // A link of 40 ms: a removal takes a round trip, longer than a bound of nothing.
  const proxy = await startLatencyProxy(sshd.port, 40);
  const known = knownHostsFor(sshd, proxy.port, join(tmpdir(), `scpipe-test-known-${process.pid}`));
  const options = connectOptions(sshd, sshd.sftp);
  const conn = new Reconnector({ ...options, port: proxy.port, options: [`UserKnownHostsFile=${known}`, 'StrictHostKeyChecking=yes'] });
  const removal = new RemovalAfterAbort(() => conn.drop(conn.current().generation), () => conn.current().opener);
  try {
    const first = await writing(conn, '.a.bin.scpipe-abc123');
    const second = await writing(conn, '.b.bin.scpipe-abc123');
    expect(await removal.settle(first.temp, undefined)).toBeUndefined();
    const real = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => real() + 3_600_000);
    expect(await removal.settle(second.temp, undefined)).toBeUndefined();
    expect(await readdir(first.dir)).toEqual([]);
    expect(await readdir(second.dir)).toEqual([]);
  } finally {
    jest.restoreAllMocks();
    removal.end();
    conn.close();
    await proxy.close();
    await rm(known, { force: true });
  }
});
