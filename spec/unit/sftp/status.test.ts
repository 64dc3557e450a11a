// sftpError(): an SFTP status becomes the ScpipeError whose code picks the
// exit status and the retry (a lost session is retried, a refusal is not),
// and the server's text reaches the terminal only escaped.
import { ScpipeError } from '../../../lib/errors';
import { SFTP_STATUS, sftpError } from '../../../lib/sftp/status';

const statusError = (code: number, message: string): Error => Object.assign(new Error(message), { code });

describe('sftpError', () => {
  it.each([
    [SFTP_STATUS.NO_SUCH_FILE, 'No such file', 'ERR_NO_SUCH_FILE'],
    [SFTP_STATUS.PERMISSION_DENIED, 'Permission denied', 'ERR_PERMISSION_DENIED'],
    [SFTP_STATUS.FAILURE, 'Failure', 'ERR_REMOTE'],
    [SFTP_STATUS.BAD_MESSAGE, 'Bad message', 'ERR_PROTOCOL'],
    [SFTP_STATUS.NO_CONNECTION, 'No connection', 'ERR_LOST_CONNECTION'],
    [SFTP_STATUS.CONNECTION_LOST, 'Connection lost', 'ERR_LOST_CONNECTION'],
    [SFTP_STATUS.OP_UNSUPPORTED, 'Operation unsupported', 'ERR_REMOTE'],
    [99, 'What?', 'ERR_REMOTE'],
  ])('status %d (%s) is %s, with the path, the request and the text', (status, text, code) => {
    const err = sftpError(statusError(status, text), 'open', '/backups/db.zst');
    expect(err).toMatchObject({ code, message: `/backups/db.zst: open: ${text}`, path: '/backups/db.zst', remoteMessage: text, sftpStatus: status });
  });

  it('an error without a status is the session gone: ERR_LOST_CONNECTION, retried', () => {
    const err = sftpError(new Error('No response from server'), 'write', 'f');
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION', message: 'f: write: the server ended the SFTP session' });
    expect(err.sftpStatus).toBeUndefined();
  });

  it('"Bad message" for a name over NAME_MAX is said as a name too long (sftp-server maps ENAMETOOLONG so)', () => {
    const path = `/b/${'n'.repeat(256)}`;
    const err = sftpError(statusError(SFTP_STATUS.BAD_MESSAGE, 'Bad message'), 'open', path);
    expect(err).toMatchObject({ code: 'ERR_REMOTE', message: `${path}: open: File name too long (a name of 256 bytes; most file systems take at most 255; the server said "Bad message")` });
    // A name of 255 bytes is not too long: "Bad message" is then what it says.
    expect(sftpError(statusError(SFTP_STATUS.BAD_MESSAGE, 'Bad message'), 'open', `/b/${'n'.repeat(255)}`).code).toBe('ERR_PROTOCOL');
  });

  it("escapes the server's text and the path, and cuts a long text", () => {
    const err = sftpError(statusError(SFTP_STATUS.FAILURE, `\x1b]2;pwned\x07${'x'.repeat(1000)}`), 'write', 'a\x1b[2Jb');
    expect(err.message).toBe(`a\\x1b[2Jb: write: \\x1b]2;pwned\\x07${'x'.repeat(390)}…`);
    expect(err.message).not.toMatch(/[\x00-\x1f]/);
  });

  it('passes a ScpipeError through as it is', () => {
    const own = new ScpipeError('ERR_NO_SPACE', 'full');
    expect(sftpError(own, 'write', 'f')).toBe(own);
  });
});
