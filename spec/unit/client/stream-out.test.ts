// A download into a stream that failed after bytes went out is told anew with
// what the reader got: the error keeps its code, context, cause and retriesSpent.
import { PassThrough } from 'node:stream';
import { ScpipeError } from '../../../lib/errors';
import { markRetriesSpent, wereRetriesSpent } from '../../../lib/client/retry';
import { abortedPartlyOut, explain, partlyOut } from '../../../lib/client/stream-out';

// A part the set lost: what the remote said, its status, the retries spent on it.
function partFailure(): ScpipeError {
  const cause = new Error('No such file');
  return markRetriesSpent(new ScpipeError('ERR_NO_SUCH_FILE', 'd/s.000002: No such file', { path: 'd/s.000002', host: 'h', remoteMessage: 'No such file', sftpStatus: 2, cause }));
}

describe("partlyOut: a set's failure after some of its parts went out", () => {
  it('says the bytes out and keeps the code, the context and the retries spent', () => {
    const err = partFailure();
    const told = partlyOut(err, 1024);
    expect(told.message).toBe("d/s.000002: No such file; the set's first 1024 bytes, each part checked against the manifest, had already been written out, and nothing after them");
    expect(told.code).toBe('ERR_NO_SUCH_FILE');
    expect(told).toMatchObject({ path: 'd/s.000002', host: 'h', remoteMessage: 'No such file', sftpStatus: 2, bytes: 1024n });
    expect(told.cause).toBe(err);
    expect(wereRetriesSpent(told)).toBe(true);
  });

  it("keeps a checksum failure's sum", () => {
    const err = new ScpipeError('ERR_CHECKSUM', 'd/s.000001: does not match', { path: 'd/s.000001', sha256: 'ab'.repeat(32) });
    expect(partlyOut(err, 5).sha256).toBe('ab'.repeat(32));
  });
});

describe('explain: a stream whose bytes out went too far for a retry', () => {
  it('is a lost connection that keeps what the remote said and its exit', () => {
    const err = new ScpipeError('ERR_REMOTE_EXIT', 'scp exited 1', { host: 'h', path: 'f', exitCode: 1, remoteStderr: 'scp: broken' });
    const told = explain(err, 10, true) as ScpipeError;
    expect(told.code).toBe('ERR_LOST_CONNECTION');
    expect(told.message).toBe('scp exited 1; 10 bytes had already been written out, so the file is not fetched again (a download to a file, --output, is)');
    expect(told).toMatchObject({ host: 'h', path: 'f', exitCode: 1, remoteStderr: 'scp: broken', bytes: 10n });
    expect(told.cause).toBe(err);
  });
});

describe('abortedPartlyOut', () => {
  it('keeps the signal and the cause', () => {
    const err = new ScpipeError('ERR_ABORTED', 'interrupted by SIGINT', { signal: 'SIGINT' });
    const told = abortedPartlyOut(err, 3, undefined, new PassThrough());
    expect(told).toMatchObject({ code: 'ERR_ABORTED', signal: 'SIGINT', bytes: 3n });
    expect(told.cause).toBe(err);
  });
});
