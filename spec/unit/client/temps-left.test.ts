import { ScpipeError } from '../../../lib/errors';
import { tempsLeftSaid, withTempsLeft } from '../../../lib/client/temps-left';

describe('tempsLeftSaid: the words for the temporary files an upload left', () => {
  it('says each state as the messages always have', () => {
    expect(tempsLeftSaid([{ path: 'd/.a', state: 'partial' }])).toBe('the partial upload is left in d/.a');
    expect(tempsLeftSaid([{ path: 'd/.a', state: 'partial', removeFailed: 'Permission denied' }])).toBe('the partial upload is left in d/.a (removing it failed: Permission denied)');
    expect(tempsLeftSaid([{ path: 'd/.a', state: 'whole' }])).toBe('the upload, whole but not renamed into place, is left in d/.a');
    expect(tempsLeftSaid([{ path: 'd/.a', state: 'renaming', target: 'd/a' }])).toBe("the rename's answer was lost, so the upload, whole, is either in place as d/a or left in d/.a: whichever of the two names exists holds it");
    expect(tempsLeftSaid([{ path: 'd/.a', state: 'empty' }])).toBe('an empty temporary file may be left in d/.a');
  });

  it('groups partial uploads, then empty files, and escapes the names', () => {
    const said = tempsLeftSaid([{ path: 'd/.e', state: 'empty' }, { path: 'd/.a', state: 'partial' }, { path: 'd/.b\x1b[2J', state: 'partial' }, { path: 'd/.f', state: 'empty' }]);
    expect(said).toBe('the partial upload is left in d/.a, d/.b\\x1b[2J; an empty temporary file may be left in d/.e, d/.f');
  });
});

describe('withTempsLeft', () => {
  it('adds the words and the list, keeping what the error listed already', () => {
    const lost = new ScpipeError('ERR_LOST_CONNECTION', 'lost', { tempsLeft: [{ path: 'd/.a', state: 'empty' }] });
    const told = withTempsLeft(lost, [{ path: 'd/.b', state: 'partial' }]) as ScpipeError;
    expect(told.message).toBe('lost; the partial upload is left in d/.b');
    expect(told.tempsLeft).toEqual([{ path: 'd/.a', state: 'empty' }, { path: 'd/.b', state: 'partial' }]);
    expect(told.toJSON().tempsLeft).toEqual(told.tempsLeft);
    expect(told.cause).toBe(lost);
  });

  it('leaves an error that left nothing as it is', () => {
    const lost = new ScpipeError('ERR_LOST_CONNECTION', 'lost');
    expect(withTempsLeft(lost, [])).toBe(lost);
  });
});
