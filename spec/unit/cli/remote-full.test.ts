// The command that frees a full remote disk goes where the library said to
// store an empty file over the file it left: its place travels with the error
// (remedyAt) through what wrappers add before or after, whatever the words.
import { withFullRemoteHint } from '../../../cli/remote-full';
import { pasteSpec, pasteTarget } from '../../../cli/paste-target';
import { ScpipeError, withMessage } from '../../../lib/errors';
import { leftByRemote } from '../../../lib/protocol/cut-short';

const spec = pasteSpec({ host: 'vault', path: '' }, {});
const command = (path: string) => `: \`scpipe put -O --size 0 ${pasteTarget(spec, path)} < /dev/null\``;

// What scp -t's refusal becomes once the library says what it left.
function fullDisk(path: string): ScpipeError {
  const refused = new ScpipeError('ERR_NO_SPACE', `remote: scp: ${path}: No space left on device`, { remoteMessage: `scp: ${path}: No space left on device` });
  return leftByRemote(refused, { name: path.slice(path.lastIndexOf('/') + 1), size: 10n, remotePath: path }, 4n);
}

describe('withFullRemoteHint', () => {
  it('puts the command after the remedy that ends the message', () => {
    const err = fullDisk('d/f');
    const hinted = withFullRemoteHint(err, spec) as ScpipeError;
    expect(hinted.message).toBe(`${err.message}${command('d/f')}`);
    expect(hinted).toMatchObject({ code: 'ERR_NO_SPACE', cutShort: err.cutShort, remoteMessage: err.remoteMessage });
    expect(hinted.cause).toBe(err.cause);
  });

  it('puts it after the remedy when a parts set\'s words follow it, or a retry\'s come before it', () => {
    const err = fullDisk('d/s.bin.000002');
    const set = withMessage(err, `${err.message}; the parts set d/s.bin is incomplete (no manifest d/s.bin.sha256): 2 part(s) confirmed remotely`, { cause: err });
    expect((withFullRemoteHint(set, spec) as ScpipeError).message).toBe(`${err.message}${command('d/s.bin.000002')}; the parts set d/s.bin is incomplete (no manifest d/s.bin.sha256): 2 part(s) confirmed remotely`);
    const retried = withMessage(err, `connection lost; retry 1 failed: ${err.message}`, { cause: err });
    expect((withFullRemoteHint(retried, spec) as ScpipeError).message).toBe(`connection lost; retry 1 failed: ${err.message}${command('d/s.bin.000002')}`);
  });

  // Parts go several at once: the disk fills under each of them, and each keeps what fit.
  it('gives the command for every part left cut short, not only the one the disk filled under first', () => {
    const err = fullDisk('d/s.bin.000002');
    const partsLeft = [
      { name: 's.bin.000002', path: 'd/s.bin.000002', written: 4n, size: 10n, failed: true },
      { name: 's.bin.000003', path: 'd/s.bin.000003', written: 7n, size: 10n, failed: true },
      { name: 's.bin.000004', path: 'd/s.bin.000004', written: 10n, size: 10n, failed: true },
      { name: 's.bin.000005', path: 'd/s.bin.000005', written: 0n, size: 10n }, // maybe there, empty: holds no space
      { name: 's.bin.000006', path: 'd/s.bin.000006', written: 10n, size: 10n }, // all sent: maybe whole, not said cut short
    ];
    const set = withMessage(err, `${err.message}; the parts set d/s.bin is incomplete (no manifest d/s.bin.sha256): no part confirmed; left cut short remotely: …`, { cause: err, partsLeft });
    const hinted = withFullRemoteHint(set, spec) as ScpipeError;
    expect(hinted.message).toBe(
      `${err.message}${command('d/s.bin.000002')}; the parts set d/s.bin is incomplete (no manifest d/s.bin.sha256): no part confirmed; left cut short remotely: …` +
        `; the other files left cut short are freed the same way${command('d/s.bin.000003')}, ${command('d/s.bin.000004').slice(2)}`,
    );
    expect(hinted.partsLeft).toEqual(partsLeft);
  });

  // A name is the remote's text: the remedy's words in it were taken for the library's.
  it('does not take the remedy\'s words in a name for the place', () => {
    const path = 'd/x; store an empty file over it; the parts set y';
    const err = fullDisk(path);
    const set = withMessage(err, `${err.message}; the parts set d/s is incomplete`, { cause: err });
    const hinted = withFullRemoteHint(set, spec) as ScpipeError;
    expect(hinted.message).toBe(`${err.message}${command(path)}; the parts set d/s is incomplete`);
  });

  it('leaves alone a full disk the library gave no remedy for, or that names no path, and other failures', () => {
    const noRemedy = new ScpipeError('ERR_NO_SPACE', 'd/f: No space left on device; store an empty file over it', { cutShort: { name: 'f', path: 'd/f', written: 1n, size: 2n } });
    expect(withFullRemoteHint(noRemedy, spec)).toBe(noRemedy);
    const refused = new ScpipeError('ERR_NO_SPACE', 'remote: scp: n: No space left on device');
    const unnamed = leftByRemote(refused, { name: 'n', size: 10n }, 4n);
    expect(unnamed.remedyAt).toBe(unnamed.message.length);
    expect(withFullRemoteHint(unnamed, spec)).toBe(unnamed);
    const lost = new ScpipeError('ERR_LOST_CONNECTION', 'lost');
    expect(withFullRemoteHint(lost, spec)).toBe(lost);
  });

  it('gives the command once: the hinted error has no place left for another', () => {
    const hinted = withFullRemoteHint(fullDisk('d/f'), spec) as ScpipeError;
    expect(hinted.remedyAt).toBeUndefined();
    expect(withFullRemoteHint(hinted, spec)).toBe(hinted);
  });
});
