// ScpipeError as a program embedding scpipe meets it.
import { ScpipeError, asScpipeError, isScpipeError, withMessage } from '../../../lib/errors';

describe('ScpipeError from another copy of scpipe', () => {
  // Two copies in one process: a program and a library of its own each depending on scpipe.
  let Other: typeof import('../../../lib/errors');
  beforeAll(() => {
    jest.isolateModules(() => {
      Other = require('../../../lib/errors');
    });
  });

  it('is an instance of this copy\'s class, and the other way round', () => {
    expect(Other.ScpipeError).not.toBe(ScpipeError);
    const theirs = new Other.ScpipeError('ERR_REMOTE', 'refused');
    expect(theirs instanceof ScpipeError).toBe(true);
    expect(isScpipeError(theirs, 'ERR_REMOTE')).toBe(true);
    expect(Other.isScpipeError(new ScpipeError('ERR_AUTH', 'no'), 'ERR_AUTH')).toBe(true);
  });

  it('is still not any error with a code', () => {
    expect(isScpipeError(Object.assign(new Error('x'), { code: 'ERR_REMOTE', name: 'ScpipeError' }))).toBe(false);
    expect(isScpipeError(null)).toBe(false);
    expect(isScpipeError('ERR_REMOTE')).toBe(false);
    expect(new Error('x') instanceof ScpipeError).toBe(false);
  });
});

describe('ScpipeError as JSON', () => {
  // A daemon logging errors as JSON: bigint fields made JSON.stringify throw.
  it('gives code, message and context, byte counts as numbers', () => {
    const err = new ScpipeError('ERR_SIZE_MISMATCH', 'the input is longer', {
      bytes: 12n,
      path: 'db.zst',
      cutShort: { name: 'db.zst', written: 5n, size: 10n },
      cause: Object.assign(new Error('EPIPE'), { code: 'EPIPE' }),
    });
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'ScpipeError',
      code: 'ERR_SIZE_MISMATCH',
      message: 'the input is longer',
      bytes: 12,
      path: 'db.zst',
      cutShort: { name: 'db.zst', written: 5, size: 10 },
      cause: { name: 'Error', message: 'EPIPE', code: 'EPIPE' },
    });
  });

  it('writes a ScpipeError cause as itself, and any other cause as it is', () => {
    const inner = new ScpipeError('ERR_LOST_CONNECTION', 'lost', { bytes: 3n });
    expect(JSON.parse(JSON.stringify(new ScpipeError('ERR_REMOTE', 'outer', { cause: inner }))).cause).toEqual({ name: 'ScpipeError', code: 'ERR_LOST_CONNECTION', message: 'lost', bytes: 3 });
    expect(JSON.parse(JSON.stringify(new ScpipeError('ERR_ABORTED', 'aborted', { cause: 'SIGINT', signal: 'SIGINT' })))).toEqual({ name: 'ScpipeError', code: 'ERR_ABORTED', message: 'aborted', signal: 'SIGINT', cause: 'SIGINT' });
  });
});

describe('withMessage: an error told anew', () => {
  const disk = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
  const full = () => new ScpipeError('ERR_NO_SPACE', 'remote: scp: d/f: No space left on device', {
    remoteMessage: 'scp: d/f: No space left on device',
    path: 'd/f',
    bytes: 7n,
    cutShort: { name: 'f', path: 'd/f', written: 7n, size: 9n },
    cause: disk,
  });

  it('keeps the code, every context field and the cause, with the new message only', () => {
    const err = full();
    const told = withMessage(err, `${err.message}; said more`);
    expect(told).toBeInstanceOf(ScpipeError);
    expect(told).not.toBe(err);
    expect(told.message).toBe('remote: scp: d/f: No space left on device; said more');
    expect(told.toJSON()).toEqual({ ...err.toJSON(), message: told.message });
    expect(told.cause).toBe(disk);
  });

  it('takes what the context gives over the error\'s own: code, cause, a field, a field removed', () => {
    const err = full();
    const told = withMessage(err, 'wrapped', { code: 'ERR_LOST_CONNECTION', cause: err, bytes: 3n, cutShort: undefined });
    expect(told).toMatchObject({ code: 'ERR_LOST_CONNECTION', message: 'wrapped', path: 'd/f', bytes: 3n, remoteMessage: err.remoteMessage });
    expect(told.cutShort).toBeUndefined();
    expect(told.cause).toBe(err);
    expect(err).toMatchObject({ code: 'ERR_NO_SPACE', bytes: 7n, cause: disk });
  });

  it('keeps the mark of spent retries: the same failure told with more words is not retried over again', () => {
    const err = full();
    expect(withMessage(err, 'x').retriesSpent).toBeUndefined();
    Object.defineProperty(err, 'retriesSpent', { value: true, enumerable: false, configurable: true });
    const told = withMessage(err, `${err.message}; the partial upload is left in d/.f`, { code: 'ERR_LOST_CONNECTION', cause: err });
    expect(told.retriesSpent).toBe(true);
    expect(withMessage(told, 'again').retriesSpent).toBe(true);
    // Not a field: not in the JSON, nor in an error made from a copy of the fields.
    expect(told.toJSON()).not.toHaveProperty('retriesSpent');
    expect(new ScpipeError(told.code, told.message, { ...told }).retriesSpent).toBeUndefined();
  });

  it('makes anything else a local failure whose cause it is', () => {
    const told = withMessage(disk, 'cannot write out: ENOSPC');
    expect(told).toMatchObject({ code: 'ERR_LOCAL_IO', message: 'cannot write out: ENOSPC' });
    expect(told.cause).toBe(disk);
    expect(withMessage('thrown text', 'bad', { code: 'ERR_PROTOCOL' })).toMatchObject({ code: 'ERR_PROTOCOL', message: 'bad', cause: 'thrown text' });
  });
});

describe('remedyAt: where a remedy\'s command goes in the message', () => {
  const said = 'disk full; store an empty file over it';
  const full = () => new ScpipeError('ERR_NO_SPACE', said, { remedyAt: said.length });

  it('follows the message through words put before it or after it, and goes with a message that does not hold it', () => {
    expect(withMessage(full(), `lost; retry 1 failed: ${said}`).remedyAt).toBe('lost; retry 1 failed: '.length + said.length);
    expect(withMessage(full(), `${said}; the parts set s is incomplete`).remedyAt).toBe(said.length);
    expect(withMessage(full(), 'disk full').remedyAt).toBeUndefined();
    expect(withMessage(full(), said, { remedyAt: undefined }).remedyAt).toBeUndefined();
  });

  it('is no field of the JSON, nor of a copy of the fields', () => {
    const err = full();
    expect(err.toJSON()).toEqual({ name: 'ScpipeError', code: 'ERR_NO_SPACE', message: said });
    expect(new ScpipeError('ERR_NO_SPACE', 'other words', { ...err }).remedyAt).toBeUndefined();
  });
});

describe('asScpipeError: a failure that is not scpipe\'s own', () => {
  // A Node error names the file it failed on, and a download's names come from the peer.
  it('is ERR_LOCAL_IO with its message escaped for a terminal and itself as the cause', () => {
    const thrown = new Error("EACCES: permission denied, open 'dl/\x1b]0;owned\x07x'");
    const err = asScpipeError(thrown);
    expect(err).toMatchObject({ code: 'ERR_LOCAL_IO', message: "unexpected failure: EACCES: permission denied, open 'dl/\\x1b]0;owned\\x07x'" });
    expect(err.cause).toBe(thrown);
    expect(asScpipeError('a\rb').message).toBe('unexpected failure: a\\rb');
  });

  it('is the error itself when it is one', () => {
    const err = new ScpipeError('ERR_REMOTE', 'refused');
    expect(asScpipeError(err)).toBe(err);
  });
});
