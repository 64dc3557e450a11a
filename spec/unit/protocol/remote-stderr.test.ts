// The remote's stderr comes in whatever pieces SSH's packets cut it into: a
// line, and a character of several UTF-8 bytes, may be split anywhere. Decoded
// piece by piece, a split character became two U+FFFD (replacement characters) in the
// relayed line and in the error message's tail.
import { PassThrough } from 'node:stream';
import { RemoteStderr } from '../../../lib/protocol/remote-stderr';
import { describeExit } from '../../../lib/protocol/session-errors';
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

// ssh's own error, quoted by --transport openssh's SFTP, is its last line: it
// was quoted whole (8 KiB of it), and blank-looking lines counted.
describe('RemoteStderr.last()', () => {
  it('the last line not blank (and wanted), trimmed, escaped after it is cut to 400 characters', async () => {
    const stream = new PassThrough();
    const stderr = new RemoteStderr(stream);
    await new Promise<void>((resolve) => {
      stream.on('end', () => setImmediate(resolve));
      stream.end(`first\n  ssh: \x1b]52;c;eA==\x07${'y'.repeat(5000)}  \n   \ndebug1: Exit status 1\n`);
    });
    expect(stderr.last((l) => !l.startsWith('debug'))).toBe(`ssh: \\x1b]52;c;eA==\\x07${'y'.repeat(400 - 17)}…`);
    expect(stderr.last()).toBe('debug1: Exit status 1');
    expect(new RemoteStderr(new PassThrough()).last()).toBeUndefined();
  });
});

describe('RemoteStderr holding lines until the remote answers', () => {
  const feed = async (text: string, hold: boolean): Promise<{ stderr: RemoteStderr; lines: string[] }> => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const stderr = new RemoteStderr(stream, (line) => lines.push(line), hold);
    await new Promise<void>((resolve) => {
      stream.on('end', () => setImmediate(resolve));
      stream.end(text);
    });
    return { stderr, lines };
  };

  it('a failure that quotes the first line: the rest only, without the blank lines around it', async () => {
    const { stderr, lines } = await feed('\nrefused\x1b[2J\nAllowed: scp\n\n', true);
    expect(lines).toEqual([]);
    stderr.release(new Error(`exited with status 1: ${stderr.text().split('\n')[0]}`));
    expect(lines).toEqual(['Allowed: scp']);
  });

  it('a first line after more than 4 KiB of blank lines is quoted by the failure, and not said again', async () => {
    const { stderr, lines } = await feed(`${' '.repeat(500)}\n`.repeat(10) + 'rssh: scp is not allowed\nAllowed: scp\n', true);
    const failure = describeExit({ code: 1, signal: null }, stderr.said());
    expect(failure?.message).toBe('remote command exited with status 1: rssh: scp is not allowed');
    stderr.release(failure);
    expect(lines).toEqual(['Allowed: scp']);
  });

  it('released without a failure (the remote answered): every line, in order, and later ones as they come', async () => {
    const { stderr, lines } = await feed('one\n\ntwo\n', true);
    stderr.release();
    expect(lines).toEqual(['one', '', 'two']);
  });

  it('a remote that talks without end before answering is not kept: past 64 lines they go out', async () => {
    const { lines } = await feed('x\n'.repeat(100), true);
    expect(lines).toHaveLength(100);
  });
});
