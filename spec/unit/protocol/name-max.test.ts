// A remote that refused a name as too long: the error says why, and keeps
// what the remote said (its remoteMessage, its SFTP status) for a program.
import { ScpipeError } from '../../../lib/errors';
import { nameTooLongError } from '../../../lib/protocol/name-max';
import { remoteError } from '../../../lib/protocol/session-errors';

describe('nameTooLongError', () => {
  const long = `d/${'n'.repeat(300)}`;

  it("keeps scp's refusal as the remote said it", () => {
    const refused = remoteError(`scp: ${long}: File name too long`);
    const err = nameTooLongError(long, refused);
    expect(err).toMatchObject({ code: 'ERR_REMOTE', path: long, remoteMessage: `scp: ${long}: File name too long` });
    expect(err.message).toBe(`${long}: File name too long (a name of 300 bytes; most file systems take at most 255): the remote refused its name; nothing was sent: give a shorter name`);
    expect(err.cause).toBe(refused);
  });

  it("keeps an SFTP refusal's status", () => {
    const refused = new ScpipeError('ERR_REMOTE', `${long}: open: File name too long`, { path: long, remoteMessage: 'Bad message', sftpStatus: 4 });
    expect(nameTooLongError(long, refused)).toMatchObject({ remoteMessage: 'Bad message', sftpStatus: 4 });
  });
});
