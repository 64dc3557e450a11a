// The commands a message gives the user to paste (a full remote disk, parts
// left past a set's last): what a POSIX shell makes of their words.
import { execFileSync } from 'node:child_process';
import { shadowWarning, staleWarning } from '../../../cli/commands/put-parts';
import { pasteTarget } from '../../../cli/paste-target';

// The words `sh` reads in `text`, as a shell reading the pasted command would.
const words = (text: string): string[] =>
  execFileSync('sh', ['-c', `printf '%s\\0' ${text}`], { encoding: 'utf8', env: {} }).split('\0').slice(0, -1);

describe('commands to paste', () => {
  it('an scp:// port is -P and its number, words of their own before the quoted target', () => {
    expect(words(pasteTarget({ host: 'vault', user: 'backup', port: 2222, path: '' }, '/d/db $day.bin'))).toEqual(['-P', '2222', 'backup@vault:/d/db $day.bin']);
    expect(words(pasteTarget({ host: '::1', port: 2222, path: '' }, 'f'))).toEqual(['-P', '2222', '[::1]:f']);
  });

  it('a name with a backslash or a quote is read back as it is', () => {
    for (const name of ['a\\b', "it's", 'back\\\\slash \\ and \'both\'']) {
      expect(words(pasteTarget({ host: 'vault', path: '' }, name))).toEqual([`vault:${name}`]);
    }
  });

  it('the warning of parts left past the last: `cat` gets a set named with a leading dash as a file, not an option', () => {
    const warning = staleWarning({ host: 'vault', path: '' }, 'd/', '-x', '-x.000002');
    const cat = /`cat (.*)` would add it/.exec(warning)![1]!;
    expect(cat).toBe('./-x.[0-9]*');
    expect(warning).toContain('`scpipe put -O --size 0 vault:d/-x.000002 < /dev/null`');
  });

  it('the warning of a plain file beside a set: both commands name the set, port and all', () => {
    const warning = shadowWarning({ host: 'vault', port: 2222, path: '' }, "d/o'clock");
    for (const [, command] of warning.matchAll(/`scpipe get (.*?)`/g)) {
      expect(words(command!).slice(-3)).toEqual(['-P', '2222', "vault:d/o'clock"]);
    }
  });
});
