import { ScpipeError } from '../../../lib/errors';
import { PipelinedWriter } from '../../../lib/sftp/writer';
import { FakeSession, tick } from './fake-session';

const handle = Buffer.from('h');

describe('PipelinedWriter', () => {
  it('cuts the stream into pieces at increasing offsets, many in flight, and waits for room', async () => {
    const s = new FakeSession();
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], { path: 'f', pieceSize: 4, maxHeld: 8 });
    await w.write(Buffer.from('abcdef'));
    await w.write(Buffer.from('gh'));
    expect(s.writes.map((x) => [x.offset, x.data.toString()])).toEqual([[0, 'abcd'], [4, 'efgh']]);
    let wrote = false;
    const third = w.write(Buffer.from('ijkl')).then(() => (wrote = true));
    await tick();
    expect(wrote).toBe(false); // 8 bytes held: no room
    s.ackAll((x) => x.offset === 4); // out of order: still held behind offset 0
    await tick();
    expect(wrote).toBe(false);
    s.ackAll((x) => x.offset === 0);
    await third;
    expect(w.ledger.resumePoint).toBe(8);
    const flushed = w.flush();
    await tick();
    s.ackAll();
    await flushed;
    expect(Buffer.concat([...s.stored.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d)).toString()).toBe('abcdefghijkl');
  });

  it('sends whole pieces as they are and releases each once it and everything before it are acknowledged', async () => {
    const s = new FakeSession();
    const released: string[] = [];
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], { path: 'f', pieceSize: 4, maxHeld: 8, onRelease: (d) => released.push(d.toString()) });
    await w.writePiece(Buffer.from('abcd'));
    await w.writePiece(Buffer.from('ef'));
    expect(s.writes.map((x) => [x.offset, x.data.toString()])).toEqual([[0, 'abcd'], [4, 'ef']]);
    s.ackAll((x) => x.offset === 4);
    await tick();
    expect(released).toEqual([]); // held behind offset 0
    s.ackAll();
    await tick();
    expect(released).toEqual(['abcd', 'ef']);
    await expect(w.writePiece(Buffer.from('toolong'))).rejects.toMatchObject({ code: 'ERR_USAGE', message: 'PipelinedWriter: writePiece(): a piece of 7 bytes is over pieceSize (4)' });
    await w.flush();
    expect(w.bytes).toBe(6);
  });

  it('spreads requests over the lanes with the least in flight', async () => {
    const a = new FakeSession();
    const b = new FakeSession();
    const w = new PipelinedWriter([{ session: a.asSession(), handle }, { session: b.asSession(), handle }], { path: 'f', pieceSize: 4, maxHeld: 100 });
    await w.write(Buffer.alloc(16));
    expect(a.writes.map((x) => x.offset)).toEqual([0, 8]);
    expect(b.writes.map((x) => x.offset)).toEqual([4, 12]);
    const flushed = w.flush();
    a.ackAll();
    b.ackAll();
    await flushed;
    expect(w.bytes).toBe(16);
  });

  it('a failed write fails the upload (flush rejects with its error)', async () => {
    const s = new FakeSession();
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], { path: 'f', pieceSize: 4, maxHeld: 100 });
    await w.write(Buffer.alloc(8));
    const flushed = w.flush();
    s.writes[1]!.fail(new ScpipeError('ERR_REMOTE', 'f: write: Failure'));
    await expect(flushed).rejects.toMatchObject({ code: 'ERR_REMOTE' });
    await expect(w.write(Buffer.alloc(4))).rejects.toMatchObject({ code: 'ERR_REMOTE' });
  });

  it('after a lost session, truncates to the resume point through recover() and sends every held chunk again', async () => {
    const old = new FakeSession();
    const fresh = new FakeSession();
    const resumes: number[] = [];
    const w = new PipelinedWriter([{ session: old.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async (_err, at) => {
        resumes.push(at);
        return [{ session: fresh.asSession(), handle }];
      },
    });
    await w.write(Buffer.from('aaaabbbbcccc'));
    old.ackAll((x) => x.offset === 0 || x.offset === 8); // 'bbbb' not acknowledged
    await tick();
    old.writes[0]!.fail(new ScpipeError('ERR_LOST_CONNECTION', 'gone'));
    const flushed = w.flush();
    await tick();
    await tick();
    expect(resumes).toEqual([4]);
    expect(fresh.writes.map((x) => [x.offset, x.data.toString()])).toEqual([[4, 'bbbb'], [8, 'cccc']]);
    fresh.ackAll();
    await flushed;
    expect(w.ledger.resumePoint).toBe(12);
  });

  // One channel of several ends (its sftp-server killed): the others answer
  // on during the backoff, but the file is still cut to the resume point of
  // the loss, so what they acknowledge then must go again, not be released.
  it('acknowledgements on the other lanes after a loss are not taken: every chunk above the truncation goes again', async () => {
    const a = new FakeSession();
    const b = new FakeSession();
    const fresh = new FakeSession();
    const resumes: number[] = [];
    let recovered = (): void => undefined;
    const w = new PipelinedWriter([{ session: a.asSession(), handle }, { session: b.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async (_err, at) => {
        resumes.push(at);
        await new Promise<void>((r) => (recovered = r)); // the backoff
        return [{ session: fresh.asSession(), handle }];
      },
    });
    await w.write(Buffer.from('aaaabbbbcccc')); // a: 0 and 8, b: 4
    a.ackAll((x) => x.offset === 0);
    await tick();
    a.writes[0]!.fail(new ScpipeError('ERR_LOST_CONNECTION', 'gone')); // 'cccc' at 8
    const flushed = w.flush();
    await tick();
    b.ackAll(); // 'bbbb' at 4, answered during the backoff
    await tick();
    recovered();
    await tick();
    await tick();
    expect(resumes).toEqual([4]);
    expect(fresh.writes.map((x) => [x.offset, x.data.toString()])).toEqual([[4, 'bbbb'], [8, 'cccc']]);
    fresh.ackAll();
    await flushed;
    expect(w.ledger.resumePoint).toBe(12);
  });

  // The connection made for the resume is lost at once: a second recovery
  // starts from the first one's end, and flush() waits for it, so the caller
  // finishes over live lanes, and none is left watched.
  it('a recovery whose new lanes are already lost is followed by another, which flush() waits for', async () => {
    const old = new FakeSession();
    const dead = new FakeSession();
    dead.ended = true;
    const fresh = new FakeSession();
    let recoveries = 0;
    let again = (): void => undefined;
    const w = new PipelinedWriter([{ session: old.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async () => {
        if (++recoveries === 1) return [{ session: dead.asSession(), handle }];
        await new Promise<void>((r) => (again = r)); // the backoff
        return [{ session: fresh.asSession(), handle }];
      },
    });
    await w.write(Buffer.from('aaaa'));
    old.ackAll();
    await tick();
    old.lose();
    await tick();
    expect(recoveries).toBe(2);
    let flushed = false;
    const flushing = w.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    again();
    await flushing;
    expect(w.currentLanes.map((l) => l.session)).toEqual([fresh.asSession()]);
    expect([old.watchers, dead.watchers, fresh.watchers]).toEqual([0, 0, 0]);
  });

  // A resume truncates the file and sends again: for a full disk or a refused
  // write that is a loop, and the server's reason would be lost.
  it('a failed write that is no lost session fails the upload even with recover(): no truncation, nothing sent again', async () => {
    const s = new FakeSession();
    let recoveries = 0;
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async () => {
        recoveries++;
        return [{ session: new FakeSession().asSession(), handle }];
      },
    });
    await w.write(Buffer.alloc(8));
    const flushed = w.flush();
    s.writes[1]!.fail(new ScpipeError('ERR_NO_SPACE', 'f: write: no space left on the remote file system'));
    await expect(flushed).rejects.toMatchObject({ code: 'ERR_NO_SPACE' });
    expect(recoveries).toBe(0);
  });

  it('gives up when recover() throws', async () => {
    const s = new FakeSession();
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async () => {
        throw new ScpipeError('ERR_CONNECT', 'no route');
      },
    });
    await w.write(Buffer.alloc(4));
    s.writes[0]!.fail(new ScpipeError('ERR_LOST_CONNECTION', 'gone'));
    await expect(w.flush()).rejects.toMatchObject({ code: 'ERR_CONNECT' });
  });

  it('a lane lost while nothing is in flight starts the recovery at once, and the new lanes are watched instead', async () => {
    const old = new FakeSession();
    const fresh = new FakeSession();
    const failures: ScpipeError[] = [];
    const w = new PipelinedWriter([{ session: old.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async (err) => {
        failures.push(err);
        return [{ session: fresh.asSession(), handle }];
      },
    });
    await w.write(Buffer.from('aaaa'));
    old.ackAll();
    await tick();
    old.lose(); // the input is slow: no request is pending
    await tick();
    expect(failures.map((e) => e.code)).toEqual(['ERR_LOST_CONNECTION']);
    expect([old.watchers, fresh.watchers]).toEqual([0, 1]);
    await w.write(Buffer.from('bbbb'));
    expect(fresh.writes.map((x) => [x.offset, x.data.toString()])).toEqual([[4, 'bbbb']]);
    fresh.ackAll();
    await w.flush();
    expect(fresh.watchers).toBe(0); // flushed: closing the lanes is no loss
  });

  it('without recover(), a lane lost while the caller waits for input fails the upload through onFatal', async () => {
    const s = new FakeSession();
    const fatal: string[] = [];
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], { path: 'f', pieceSize: 4, maxHeld: 100, onFatal: (e) => fatal.push(e.code) });
    await w.write(Buffer.from('aaaa'));
    s.ackAll();
    await tick();
    s.lose();
    expect(fatal).toEqual(['ERR_LOST_CONNECTION']);
    await expect(w.write(Buffer.from('bbbb'))).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' });
  });

  it('a lane that ends after flush() is not a loss', async () => {
    const s = new FakeSession();
    const fatal: string[] = [];
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], { path: 'f', pieceSize: 4, maxHeld: 100, onFatal: (e) => fatal.push(e.code) });
    await w.write(Buffer.from('aaaa'));
    const flushed = w.flush();
    s.ackAll();
    await flushed;
    s.lose();
    expect(fatal).toEqual([]);
  });

  it('a loss reported after flush() (the caller\'s close or rename failed) is not recovered: nothing is left to send', async () => {
    const s = new FakeSession();
    let recoveries = 0;
    const fatal: string[] = [];
    const w = new PipelinedWriter([{ session: s.asSession(), handle }], {
      path: 'f',
      pieceSize: 4,
      maxHeld: 100,
      recover: async () => {
        recoveries++;
        return [{ session: new FakeSession().asSession(), handle }];
      },
      onFatal: (e) => fatal.push(e.code),
    });
    await w.write(Buffer.from('aaaa'));
    const flushed = w.flush();
    s.ackAll();
    await flushed;
    w.fail(new ScpipeError('ERR_LOST_CONNECTION', 'f: rename: the SFTP session ended'));
    await tick();
    expect(recoveries).toBe(0);
    expect(fatal).toEqual(['ERR_LOST_CONNECTION']);
  });
});
