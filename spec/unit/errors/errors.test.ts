// ScpipeError as a program embedding scpipe meets it.
import { ScpipeError, isScpipeError } from '../../../lib/errors';

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
