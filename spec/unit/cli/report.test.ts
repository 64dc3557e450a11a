import { sayFailure, sayRetry } from '../../../cli/report';
import { ScpipeError } from '../../../lib/errors';

describe('sayRetry: the line a user sees when a transfer is tried again', () => {
  const said = (file: string, error: Error, retry = 1, delayMs = 5_000): string => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      sayRetry(file, { retry, retries: 5, delayMs, error });
      return write.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      write.mockRestore();
    }
  };

  it('names the file, says what went wrong, which retry of how many and the wait', () => {
    expect(said('dir/f.bin', new ScpipeError('ERR_LOST_CONNECTION', 'connection lost in the middle of a file'), 2)).toBe(
      'scpipe: dir/f.bin: connection lost in the middle of a file; retry 2 of 5 in 5 s\n',
    );
  });

  it('names the file once when the message names it already (an SFTP request)', () => {
    expect(said('/files/f.bin', new ScpipeError('ERR_LOST_CONNECTION', '/files/f.bin: read: the SFTP session ended'), 1, 1_000)).toBe(
      'scpipe: /files/f.bin: read: the SFTP session ended; retry 1 of 5 in 1 s\n',
    );
  });

  it("names a part once when the message begins with the part's full remote path", () => {
    expect(said('g.bin.000000', new ScpipeError('ERR_REMOTE', '/files/g.bin.000000: the temporary file /files/.g.bin.000000.scpipe-AbC123 was removed during the upload'))).toBe(
      'scpipe: /files/g.bin.000000: the temporary file /files/.g.bin.000000.scpipe-AbC123 was removed during the upload; retry 1 of 5 in 5 s\n',
    );
    // Only a whole last name counts: another file whose name ends the same is still named.
    expect(said('0.bin', new ScpipeError('ERR_REMOTE', '/files/g.bin.000000.bin: failed'))).toBe('scpipe: 0.bin: /files/g.bin.000000.bin: failed; retry 1 of 5 in 5 s\n');
  });

  it('escapes a remote name before it reaches the terminal', () => {
    expect(said('a\x1b[2Jb', new ScpipeError('ERR_LOST_CONNECTION', 'lost'))).not.toContain('\x1b');
  });
});

describe('sayFailure: a failure said as every command says it', () => {
  const said = (err: unknown, framed?: (message: string) => string): string => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      sayFailure(err, framed);
      return write.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      write.mockRestore();
    }
  };
  const target = (message: string): string => `vault:db.zst: ${message}`;

  it("keeps an internal error's stack on its lines, also framed by a target's name (put to several targets)", () => {
    const bug = new TypeError('x is undefined');
    bug.stack = 'TypeError: x is undefined\n    at f (a.js:1:2)\n    at g (b.js:3:4)';
    expect(said(bug)).toBe('scpipe: internal error: TypeError: x is undefined\n    at f (a.js:1:2)\n    at g (b.js:3:4)\n');
    expect(said(bug, target)).toBe('scpipe: vault:db.zst: internal error: TypeError: x is undefined\n    at f (a.js:1:2)\n    at g (b.js:3:4)\n');
  });

  it("says a scpipe error on one line, framed or not, a line break in it escaped", () => {
    const err = new ScpipeError('ERR_LOCAL_IO', 'the transfer is done, but --checksum-file a\nb could not be written');
    expect(said(err)).toBe('scpipe: the transfer is done, but --checksum-file a\\nb could not be written\n');
    expect(said(err, target)).toBe('scpipe: vault:db.zst: the transfer is done, but --checksum-file a\\nb could not be written\n');
  });
});
