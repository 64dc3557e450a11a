// The remote's stderr comes in whatever pieces SSH's packets cut it into: a
// line, and a character of several UTF-8 bytes, may be split anywhere. Decoded
// piece by piece, a split character became two U+FFFD (replacement characters) in the
// relayed line and in the error message's tail.
import { PassThrough } from 'node:stream';
import { RemoteStderr } from '../../../lib/protocol/remote-stderr';
import { everySplit } from '../../helpers/fake-channel';

const TEXT = Buffer.from('scp: /srv/données/été.tar: Permission non accordée\nrssh: accès refusé 🚫\x1b[2J\ntail sans fin de ligne ✓');


describe('RemoteStderr', () => {
  it('gives the same escaped lines and tail at every chunk boundary and byte by byte', async () => {
    const expected = {
      lines: ['scp: /srv/données/été.tar: Permission non accordée', 'rssh: accès refusé 🚫\\x1b[2J', 'tail sans fin de ligne ✓'],
      text: 'scp: /srv/données/été.tar: Permission non accordée\nrssh: accès refusé 🚫\\x1b[2J\ntail sans fin de ligne ✓',
    };
    for (const chunks of everySplit(TEXT)) {
      const stream = new PassThrough();
      const lines: string[] = [];
      const stderr = new RemoteStderr(stream, (line) => lines.push(line));
      await new Promise<void>((resolve) => {
        stream.on('end', () => setImmediate(resolve));
        for (const c of chunks) stream.write(c);
        stream.end();
      });
      expect({ lines, text: stderr.text() }).toEqual(expected);
    }
  });
});
