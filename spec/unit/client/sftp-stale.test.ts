import { tempNameFor } from '../../../lib/client/sftp-paths';
import { isTempNameOf } from '../../../lib/client/sftp-stale';

describe('isTempNameOf: what --remove-stale may remove', () => {
  it('knows the temporary names scpipe gives a target', () => {
    for (let i = 0; i < 50; i++) expect(isTempNameOf(tempNameFor('dir/db.dump').slice('dir/'.length), 'db.dump')).toBe(true);
  });

  it.each([
    ['db.dump', 'the target itself'],
    ['.db.dump.scpipe-abc12', 'a random part too short'],
    ['.db.dump.scpipe-abc1234', 'a random part too long'],
    ['.db.dump.scpipe-ab-12x', 'a character tempNameFor never uses'],
    ['.other.dump.scpipe-abc123', 'another target\'s'],
    ['.db.dump.old.scpipe-abc123', 'a longer name\'s'],
    ['x.db.dump.scpipe-abc123', 'not hidden'],
  ])('leaves %s alone (%s)', (name) => {
    expect(isTempNameOf(name, 'db.dump')).toBe(false);
  });
});
