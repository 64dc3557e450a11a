import { scpLanding } from '../../../lib/client/scp-landing';

describe('scpLanding: where a file sent to scp -t DEST lands, for messages', () => {
  it('several sources (-d): inside DEST, certain', () => {
    expect(scpLanding('backups', ['b.bin'], true)).toEqual({ path: 'backups/b.bin', shown: 'backups/b.bin' });
    expect(scpLanding('backups/', ['tree', 'sub', 'c'], true)).toEqual({ path: 'backups/tree/sub/c', shown: 'backups/tree/sub/c' });
  });

  it('a DEST that can only be a directory: the home directory, `.`, a trailing slash', () => {
    expect(scpLanding('', ['b.bin'], false)).toEqual({ path: 'b.bin', shown: 'b.bin' });
    expect(scpLanding('.', ['b.bin'], false)).toEqual({ path: 'b.bin', shown: 'b.bin' });
    expect(scpLanding('/srv/in//', ['b.bin'], false)).toEqual({ path: '/srv/in/b.bin', shown: '/srv/in/b.bin' });
  });

  it('one source: DEST itself, or inside it when it is a directory; the path is not certain', () => {
    expect(scpLanding('renamed', ['faults-20m'], false)).toEqual({ shown: 'renamed (or renamed/faults-20m, if renamed was a directory)' });
    expect(scpLanding('/srv/new', ['tree', 'sub', 'c'], false)).toEqual({ shown: '/srv/new/sub/c (or /srv/new/tree/sub/c, if /srv/new was a directory)' });
  });
});
