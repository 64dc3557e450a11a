import type { Client } from 'ssh2';
import { modSftpCommand, oneChannelEach, scpOptionsOf, scpOptionsStick } from '../../../lib/transport/server-quirks';

const server = (version: string | undefined) => ({ _remoteVer: version }) as unknown as Client;

describe('oneChannelEach (Dropbear bug #321, fixed in 2024.86)', () => {
  it.each(['dropbear_2022.83', 'dropbear_2019.78', 'dropbear_2024.85'])('%s: one channel per connection', (v) => {
    expect(oneChannelEach(server(v))).toBe(`the server is ${v} (before 2024.86 it may close a channel opened as another command ends)`);
  });

  it.each(['dropbear_2024.86', 'dropbear_2025.88', 'OpenSSH_9.2p1', 'dropbear', undefined])('%s: no limit', (v) => {
    expect(oneChannelEach(server(v))).toBeUndefined();
  });

  it('names only the digits it read, never the rest of the server text', () => {
    expect(oneChannelEach(server('dropbear_2020.81\x1b[31m'))).toContain('dropbear_2020.81 (');
  });
});

describe('scpOptionsStick (ProFTPD mod_sftp keeps every scp command\'s options on the connection)', () => {
  it('mod_sftp: each set of scp options on connections of its own', () => {
    expect(scpOptionsStick(server('mod_sftp'))).toBe('the server is mod_sftp (ProFTPD), whose scp keeps the options of earlier scp commands on a connection');
    expect(scpOptionsStick(server('mod_sftp/1.1.1'))).toContain('mod_sftp/1.1.1 (ProFTPD)');
  });

  // The version came from the server and went to the terminal (-v) as it was.
  it('escapes the version a server sent', () => {
    expect(scpOptionsStick(server('mod_sftp\x1b]0;owned\x07\x1b[2J'))).toContain('the server is mod_sftp\\x1b]0;owned\\x07\\x1b[2J (ProFTPD)');
    expect(scpOptionsStick(server(`mod_sftp/${'x'.repeat(500)}`))).toContain(`mod_sftp/${'x'.repeat(91)}… (ProFTPD)`);
  });

  it.each(['OpenSSH_9.2p1', 'dropbear_2022.83', 'AsyncSSH_2.10.1', undefined])('%s: any connection', (v) => {
    expect(scpOptionsStick(server(v))).toBeUndefined();
  });
});

describe('scpOptionsOf', () => {
  it.each([
    ["scp -t 'a/b'", '-t'],
    ["scp -p -f 'x.sha256'", '-p -f'],
    ["scp -v -r -p -d -t 'dir'", '-v -r -p -d -t'],
    ["scp -t -- '-odd -f name'", '-t'],
    ["'/opt/my scp' -p -t 'x -f y'", '-p -t'],
    ['scp -f a\\ -t\\ b', '-f'],
  ])('%s: %s', (command, options) => {
    expect(scpOptionsOf(command)).toBe(options);
  });
});

describe('modSftpCommand (mod_sftp splits at white space, reads double quotes only)', () => {
  it.each([
    ["scp -t 'a/b'", 'scp -t "a/b"'],
    ["scp -p -f 'it'\\''s a file'", 'scp -p -f "it\'s a file"'],
    ["scp -t -- '-x y'", 'scp -t -- "-x y"'],
    ["scp -t 'say '\\!' \"hi\" \\ '", 'scp -t "say ! \\"hi\\" \\\\ "'],
    ["scp -t ~/'a b'", "scp -t ~/'a b'"],
    ['scp -t a\\ b', 'scp -t a\\ b'],
  ])('%s → %s', (command, said) => {
    expect(modSftpCommand(command)).toBe(said);
  });
});
