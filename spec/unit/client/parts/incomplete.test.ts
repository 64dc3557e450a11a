// incomplete(): what a failed parts upload says is left, and with which
// code (the exit status: 1 for a transfer, 255 only when no session was had).
import { ScpipeError } from '../../../../lib/errors';
import { incomplete } from '../../../../lib/client/parts/incomplete';
import type { PartReport } from '../../../../lib/client/parts/put-parts-types';
import { PartLog } from '../../../../lib/client/parts/part-log';

const report = (index: number): PartReport => ({ index, name: `db.00000${index}`, size: 4n, sha256: 'a'.repeat(64), lane: 0, ms: 1, attempts: 1, spooled: 'memory' });
// Parts confirm out of order: the log has gaps where a part is still missing.
const confirmedOnly = (...indices: number[]): PartLog => {
  const log = new PartLog('db', 4n);
  for (const i of indices) log.add(report(i));
  return log;
};
const lost = new ScpipeError('ERR_LOST_CONNECTION', 'connection lost');
// A part begun remotely: at most `written` of its 4 bytes there.
const begun = (index: number, written = 2n) => ({ index, written, size: 4n });

describe('incomplete', () => {
  it('names the confirmed parts, as ranges, and those cut short, and keeps the cause', () => {
    const err = incomplete(lost, 'db', { confirmed: confirmedOnly(0, 1, 2, 4), cutShort: [begun(3), begun(4)], replacing: false }, false);
    expect(err.code).toBe('ERR_LOST_CONNECTION');
    // Part 4 was confirmed on a later try: it is not "cut short".
    expect(err.message).toBe('connection lost; the parts set db is incomplete (no manifest db.sha256): 4 part(s) confirmed remotely: db.000000..db.000002, db.000004; left cut short remotely: db.000003 (at most 2 of 4 bytes)');
    expect(err.cause).toBe(lost);
  });

  // Before, all three were "left cut short", an empty one and a whole one too.
  it('says what each part begun may hold: cut short with its bytes, sent whole but unconfirmed, or empty', () => {
    const err = incomplete(lost, 'db', { confirmed: confirmedOnly(0), cutShort: [begun(4, 0n), begun(1, 1n), begun(2, 4n), begun(3, 4n), begun(5, 0n)], replacing: false }, false);
    expect(err.message).toBe(
      'connection lost; the parts set db is incomplete (no manifest db.sha256): 1 part(s) confirmed remotely: db.000000; ' +
        'left cut short remotely: db.000001 (at most 1 of 4 bytes); ' +
        'all bytes handed to the connection, none confirmed (whole or cut short remotely, in no manifest): db.000002..db.000003; ' +
        'may be left empty remotely (scp makes a file as it takes its header; one already there keeps its bytes): db.000004..db.000005',
    );
  });

  // A full remote disk: every byte was sent, and the remote said it could not write them.
  it('a part whose write failed remotely is cut short, not "sent whole"', () => {
    const err = incomplete(lost, 'db', { confirmed: confirmedOnly(), cutShort: [{ index: 0, written: 4n, size: 4n, failed: true }], replacing: false }, false);
    expect(err.message).toMatch(/: no part confirmed; left cut short remotely: db\.000000 \(fewer than its 4 bytes: its write failed remotely\)$/);
  });

  it('an empty part (the stream was empty) sent but unconfirmed may be left empty, not "whole"', () => {
    const err = incomplete(lost, 'db', { confirmed: confirmedOnly(), cutShort: [{ index: 0, written: 0n, size: 0n }], replacing: false }, false);
    expect(err.message).toMatch(/: no part confirmed; may be left empty remotely \(.*\): db\.000000$/);
  });

  // The run ended while scp -t wrote the manifest: it is there, in part or whole, never "no manifest".
  it('says what is left of a manifest an scp -t had begun', () => {
    const state = (written: bigint) => ({ confirmed: confirmedOnly(0), cutShort: [], replacing: false, manifestCut: { name: 'db.sha256', written, size: 300n } });
    expect(incomplete(lost, 'db', state(100n), false).message).toBe('connection lost; the parts set db is incomplete (its manifest db.sha256 is left cut short: at most 100 of 300 bytes written): 1 part(s) confirmed remotely: db.000000');
    // Its header sent, no byte: not "at most 0 of 300 bytes written".
    expect(incomplete(lost, 'db', state(0n), false).message).toBe('connection lost; the parts set db is incomplete (its manifest db.sha256 may be left empty: cut off before its first byte): 1 part(s) confirmed remotely: db.000000');
    expect(incomplete(lost, 'db', state(300n), false).message).toBe('connection lost; the parts set db is incomplete (unless its manifest db.sha256 reached the disk: it was sent whole, never confirmed): 1 part(s) confirmed remotely: db.000000');
  });

  it('says no part was confirmed when none was', () => {
    expect(incomplete(lost, 'db', { confirmed: confirmedOnly(), cutShort: [], replacing: false }, false).message).toBe('connection lost; the parts set db is incomplete (no manifest db.sha256): no part confirmed');
  });

  it('says nothing was stored, with its own code (exit 255), when no session was had', () => {
    const err = incomplete(new ScpipeError('ERR_AUTH', 'Permission denied (publickey)'), 'db', { confirmed: confirmedOnly(), cutShort: [], replacing: false }, false);
    expect({ code: err.code, message: err.message }).toEqual({ code: 'ERR_AUTH', message: 'Permission denied (publickey); nothing was stored' });
  });

  it('refused at the login of a retry: not "nothing was stored" (a session was had before), the set is said incomplete', () => {
    const err = incomplete(new ScpipeError('ERR_AUTH', 'Permission denied (publickey)'), 'db', { confirmed: confirmedOnly(), cutShort: [], replacing: false }, true);
    expect(err.message).toBe('Permission denied (publickey); the parts set db is incomplete (no manifest db.sha256): no part confirmed');
  });

  it('a connection that cannot be made again after a retry is a lost connection (exit 1), not a failed first connect (255)', () => {
    const err = incomplete(new ScpipeError('ERR_CONNECT', 'Connection refused'), 'db', { confirmed: confirmedOnly(0), cutShort: [], replacing: false }, true);
    expect(err.code).toBe('ERR_LOST_CONNECTION');
    expect(err.message).toBe('Connection refused; the parts set db is incomplete (no manifest db.sha256): 1 part(s) confirmed remotely: db.000000');
  });

  it('over an earlier set: spoilt once a part went, as it was when none did', () => {
    expect(incomplete(lost, 'db', { confirmed: confirmedOnly(0), cutShort: [], replacing: true }, false).message).toBe(
      'connection lost; the parts set db is incomplete, and the earlier set of that name is spoilt: its manifest db.sha256 is still there, but parts of it were written over (1 part(s) confirmed remotely: db.000000); give each run a name of its own, or use --no-clobber',
    );
    // Only cut short, none confirmed: the earlier set's part was still written over.
    expect(incomplete(lost, 'db', { confirmed: confirmedOnly(), cutShort: [begun(0)], replacing: true }, false).message).toMatch(/the earlier set of that name is spoilt/);
    expect(incomplete(lost, 'db', { confirmed: confirmedOnly(), cutShort: [], replacing: true }, false).message).toBe('connection lost; the parts set db was not stored; the earlier set of that name (db.sha256) is as it was');
    // Refused at the login, over an earlier set: that set is said to be as it was, not "nothing was stored" alone.
    expect(incomplete(new ScpipeError('ERR_AUTH', 'denied'), 'db', { confirmed: confirmedOnly(), cutShort: [], replacing: true }, false).message).toMatch(/is as it was$/);
  });

  it('escapes the set name, in the parts\' names too', () => {
    expect(incomplete(lost, 'd\x1b[2Jb', { confirmed: confirmedOnly(), cutShort: [], replacing: false }, false).message).toContain('the parts set d\\x1b[2Jb is incomplete (no manifest d\\x1b[2Jb.sha256)');
    const log = new PartLog('d\x1b[2Jb', 4n);
    log.add(report(0));
    const parts = incomplete(lost, 'd\x1b[2Jb', { confirmed: log, cutShort: [begun(1, 1n), begun(2, 4n), begun(3, 0n)], replacing: false }, false).message;
    expect(parts).not.toContain('\x1b');
    expect(parts).toContain(': d\\x1b[2Jb.000000; left cut short remotely: d\\x1b[2Jb.000001 (at most 1 of 4 bytes); all bytes handed');
  });

  it('a failure that is no ScpipeError is an unexpected one, exit 1', () => {
    const err = incomplete(new TypeError('x is undefined'), 'db', { confirmed: confirmedOnly(), cutShort: [], replacing: false }, false);
    expect({ code: err.code, message: err.message }).toEqual({ code: 'ERR_LOCAL_IO', message: 'unexpected failure: x is undefined; the parts set db is incomplete (no manifest db.sha256): no part confirmed' });
  });
});
