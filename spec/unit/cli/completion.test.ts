import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostAliases, hostCompletions } from '../../../cli/completion';

describe('completion of hosts', () => {
  it('takes the Host names that name one host', () => {
    expect(hostAliases('Host vault backup-*\n  HostName v.example\nhost=bastion # jump\nHost * !x\nMatch host y\n')).toEqual(['vault', 'bastion']);
  });

  it('offers alias: for a word that is not an option, keeping user@', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-compl-'));
    try {
      fs.mkdirSync(path.join(home, '.ssh'));
      fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host vault vps\nHost bastion\n');
      expect(hostCompletions('v', home)).toEqual(['vault:', 'vps:']);
      expect(hostCompletions('me@b', home)).toEqual(['me@bastion:']);
      expect(hostCompletions('-', home)).toEqual([]);
      expect(hostCompletions('vault:/x', home)).toEqual([]);
      expect(hostCompletions('v', path.join(home, 'none'))).toEqual([]);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
