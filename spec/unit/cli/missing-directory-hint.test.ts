// The missing directory's hint is found where the library says it wrote it
// (remedyAt), not by its words: a name of the user's may hold those words too.
import { withMissingDirectoryHint } from '../../../cli/missing-directory-hint';
import { ScpipeError, withMessage } from '../../../lib/errors';
import { withMissingDirectory } from '../../../lib/client/missing-directory';

const spec = { host: 'vault', user: 'backup', path: '' };
const noSuchFile = (file: string): ScpipeError =>
  new ScpipeError('ERR_NO_SUCH_FILE', `remote: scp: ${file}: No such file or directory`, { remoteMessage: `scp: ${file}: No such file or directory` });

describe('withMissingDirectoryHint', () => {
  it('names the host where the library wrote HOST, and keeps the error told', () => {
    const err = withMissingDirectory(noSuchFile('pg/db'), 'pg/db') as ScpipeError;
    expect(err.missingDirectory).toBe('pg');
    expect(err.message.slice(err.remedyAt)).toBe('mkdir empty && scpipe cp -r empty HOST:pg)');
    const told = withMissingDirectoryHint(err, spec) as ScpipeError;
    expect(told.message).toBe('remote: scp: pg/db: No such file or directory (the directory pg is not there; to make it: mkdir empty && scpipe cp -r empty backup@vault:pg)');
    expect(told).toMatchObject({ code: 'ERR_NO_SUCH_FILE', missingDirectory: 'pg', remoteMessage: 'scp: pg/db: No such file or directory' });
    expect(told.remedyAt).toBe(err.remedyAt);
  });

  it("finds it under a wrapper's words that hold the same command, a file's name", () => {
    const name = 'pg/x mkdir empty && scpipe cp -r empty HOST:pg';
    const err = withMissingDirectory(noSuchFile(name), name) as ScpipeError;
    const wrapped = withMessage(err, `${err.message}; the parts set ${name} is incomplete`);
    const told = withMissingDirectoryHint(wrapped, spec) as ScpipeError;
    expect(told.message).toBe(`remote: scp: ${name}: No such file or directory (the directory pg is not there; to make it: mkdir empty && scpipe cp -r empty backup@vault:pg); the parts set ${name} is incomplete`);
  });

  it('leaves an error alone whose message was told without the hint', () => {
    const err = withMissingDirectory(noSuchFile('pg/db'), 'pg/db') as ScpipeError;
    const retold = withMessage(err, 'pg/db: gone');
    expect(withMissingDirectoryHint(retold, spec)).toBe(retold);
  });
});
