import { ScpipeError } from '../../../lib/errors';
import { mergeTemps, tempsLeftSaid, withTempsLeft } from '../../../lib/client/temps-left';
import { removeTemp } from '../../../lib/client/sftp-remove-temp';
import type { WriteLane } from '../../../lib/sftp/writer';

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

  it('names a path once: the same claim again adds nothing', () => {
    const kept = new ScpipeError('ERR_EXISTS', 'd/a: made meanwhile; the upload is whole in d/.a', { tempsLeft: [{ path: 'd/.a', state: 'whole' }] });
    expect(withTempsLeft(kept, [{ path: 'd/.a', state: 'whole' }])).toBe(kept);
  });

  it('keeps the stronger claim of a path: a weaker one later is neither listed nor said', () => {
    const kept = new ScpipeError('ERR_EXISTS', 'd/a: made meanwhile; the upload is whole in d/.a', { tempsLeft: [{ path: 'd/.a', state: 'whole' }] });
    for (const state of ['partial', 'empty', 'renaming'] as const) {
      const told = withTempsLeft(kept, [{ path: 'd/.a', state, target: 'd/a' }, { path: 'd/.b', state: 'partial' }]) as ScpipeError;
      expect(told.tempsLeft).toEqual([{ path: 'd/.a', state: 'whole' }, { path: 'd/.b', state: 'partial' }]);
      expect(told.message).toBe('d/a: made meanwhile; the upload is whole in d/.a; the partial upload is left in d/.b');
    }
  });

  it('says a stronger claim in place of the weaker words it ends with, so the path is named once', () => {
    const lost = withTempsLeft(new ScpipeError('ERR_LOST_CONNECTION', 'lost'), [{ path: 'd/.a', state: 'partial' }, { path: 'd/.c', state: 'empty' }]) as ScpipeError;
    const told = withTempsLeft(lost, [{ path: 'd/.a', state: 'whole' }]) as ScpipeError;
    expect(told.tempsLeft).toEqual([{ path: 'd/.a', state: 'whole' }, { path: 'd/.c', state: 'empty' }]);
    expect(told.message).toBe('lost; the upload, whole but not renamed into place, is left in d/.a; an empty temporary file may be left in d/.c');
    expect(told.message.split('d/.a')).toHaveLength(2);
  });
});

describe('mergeTemps: one entry a path', () => {
  it('keeps whole over renaming over partial over empty, in either order, at the place first listed', () => {
    const order = ['empty', 'partial', 'renaming', 'whole'] as const;
    for (let weak = 0; weak < order.length; weak++) {
      for (let strong = weak; strong < order.length; strong++) {
        const a = { path: 'd/.a', state: order[weak] }, b = { path: 'd/.a', state: order[strong] };
        expect(mergeTemps([{ path: 'd/.z', state: 'empty' }, a, b])).toEqual([{ path: 'd/.z', state: 'empty' }, b]);
        expect(mergeTemps([b, { path: 'd/.z', state: 'empty' }, a])).toEqual([b, { path: 'd/.z', state: 'empty' }]);
      }
    }
  });

  it('keeps a failed removal said of either', () => {
    expect(mergeTemps([{ path: 'd/.a', state: 'whole' }, { path: 'd/.a', state: 'partial', removeFailed: 'EROFS' }])).toEqual([{ path: 'd/.a', state: 'whole', removeFailed: 'EROFS' }]);
    expect(mergeTemps([{ path: 'd/.a', state: 'partial', removeFailed: 'EROFS' }, { path: 'd/.a', state: 'partial' }])).toEqual([{ path: 'd/.a', state: 'partial', removeFailed: 'EROFS' }]);
  });
});

describe('removeTemp after the sessions ended', () => {
  it('does not list again a whole upload the failure keeps (--no-clobber, its rename refused)', async () => {
    const lanes = [{ session: { ended: true }, handle: Buffer.alloc(4) }] as unknown as WriteLane[];
    const refused = new ScpipeError('ERR_EXISTS', 'd/a: another program made this file during the upload, and --no-clobber leaves it as it is; the upload is whole in d/.a', { path: 'd/.a', tempsLeft: [{ path: 'd/.a', state: 'whole' }] });
    const left: string[] = [];
    const said = (await removeTemp(lanes, { target: 'd/a', temp: 'd/.a' }, refused, { keep: true, renaming: true, onLeftBehind: (t) => left.push(t) })) as ScpipeError;
    expect(said.tempsLeft).toEqual([{ path: 'd/.a', state: 'whole' }]);
    expect(said.message).toBe(refused.message);
    expect(left).toEqual(['d/.a']);
  });
});
