// The commands a message gives the user to paste (a full remote disk, parts
// left past a set's last): what a POSIX shell makes of their words.
import { execFileSync } from 'node:child_process';
import { shadowWarning, staleWarning } from '../../../cli/commands/put-parts';
import { pasteSpec, pasteTarget } from '../../../cli/paste-target';
import { withDirectoryHint } from '../../../cli/directory-hint';
import { withFullRemoteHint } from '../../../cli/remote-full';
import { withMissingDirectoryHint } from '../../../cli/missing-directory-hint';
import { fetchWords, withRestOfSetHint } from '../../../cli/set-rest-hint';
import { ScpipeError, type Download, type Manifest } from '../../../lib';
import { MAKE_DIRECTORY, hostWord } from '../../../lib/internal';

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

describe('commands to paste reach the host as the run did', () => {
  const args = {
    P: '2222', i: ['/k/id ed25519'], o: ['ProxyCommand=ssh -W %h:%p gw', 'UserKnownHostsFile=/k/known'], F: '/k/config',
    J: 'jump@gw', c: 'aes256-gcm@openssh.com', '4': true, transport: 'openssh' as const, 'scp-path': '/opt/bin/scp', quote: 'double' as const,
  };
  const reach = ['-P', '2222', '-i', '/k/id ed25519', '-o', 'ProxyCommand=ssh -W %h:%p gw', '-o', 'UserKnownHostsFile=/k/known', '-F', '/k/config', '-J', 'jump@gw', '-c', 'aes256-gcm@openssh.com', '-4'];
  const spec = pasteSpec({ host: 'vault', user: 'backup', path: 'd/f' }, args);

  it('an scpipe command: -P, the ssh options, the transport, the remote scp and the quoting', () => {
    expect(words(pasteTarget(spec, 'd/f'))).toEqual(['--quote', 'double', ...reach, '--transport', 'openssh', '--scp-path', '/opt/bin/scp', 'backup@vault:d/f']);
    expect(words(pasteTarget(spec, 'd/*', { quote: 'none' }))).toEqual(['--quote', 'none', ...reach, '--transport', 'openssh', '--scp-path', '/opt/bin/scp', 'backup@vault:d/*']);
  });

  it("sftp's: the options sftp takes, with scp's letters", () => {
    expect(words(pasteTarget(spec, 'd', { program: 'sftp' }))).toEqual([...reach, 'backup@vault:d']);
    // -S is sftp's too, and says the transport already.
    expect(words(pasteTarget(pasteSpec({ host: 'vault', path: '' }, { S: '/opt/ssh', transport: 'openssh', '6': true }), 'd'))).toEqual(['-6', '-S', '/opt/ssh', 'vault:d']);
  });

  // A run in batch mode (a cron job) must not have its pasted command stop at a prompt either.
  it('-B: the scpipe command has it, sftp\'s (whose -B is a buffer size) has -o BatchMode=yes', () => {
    const batch = pasteSpec({ host: 'vault', path: '' }, { B: true, P: '2222' });
    expect(words(pasteTarget(batch, 'f'))).toEqual(['-P', '2222', '-B', 'vault:f']);
    expect(words(pasteTarget(batch, 'd', { program: 'sftp' }))).toEqual(['-P', '2222', '-o', 'BatchMode=yes', 'vault:d']);
    expect(words(pasteTarget(pasteSpec({ host: 'vault', path: '' }, { B: false }), 'f'))).toEqual(['vault:f']);
  });

  it("an scp:// URI's port wins over -P, as it did for the run", () => {
    expect(words(pasteTarget(pasteSpec({ host: 'vault', port: 2200, path: '' }, { P: '2222' }), 'f'))).toEqual(['-P', '2200', 'vault:f']);
  });

  it('nothing but the target for the defaults', () => {
    expect(pasteTarget(pasteSpec({ host: 'vault', path: '' }, { transport: 'ssh2', 'scp-path': 'scp', quote: 'posix', i: [], o: [] }), 'f')).toBe('vault:f');
  });

  it('every command a message gives carries them', () => {
    const target = `${reach.slice(0, 2).join(' ')} -i '/k/id ed25519'`;
    const plain = pasteSpec({ host: 'vault', path: 'd/s.bin' }, { P: '2222', i: ['/k/id ed25519'] });
    expect(staleWarning(plain, 'd/', 's.bin', 's.bin.000003')).toContain(`\`scpipe put -O --size 0 ${target} vault:d/s.bin.000003 < /dev/null\``);
    expect(shadowWarning(plain, 'd/s.bin')).toContain(`\`scpipe get --parts ${target} vault:d/s.bin\``);
    const saidFull = 'remote: scp: d/f: No space left on device; store an empty file over it';
    const full = new ScpipeError('ERR_NO_SPACE', saidFull, { cutShort: { name: 'f', path: 'd/f', written: 1n, size: 2n }, remedyAt: saidFull.length });
    expect((withFullRemoteHint(full, plain) as Error).message).toContain(`\`scpipe put -O --size 0 ${target} vault:d/f < /dev/null\``);
    const before = 'remote: scp: d/f: No such file or directory (the directory d is not there; to make it: ';
    const missing = new ScpipeError('ERR_NO_SUCH_FILE', `${before}${MAKE_DIRECTORY}${hostWord('d')})`, { missingDirectory: 'd', remedyAt: before.length });
    expect((withMissingDirectoryHint(missing, plain) as Error).message).toContain(`to make it: mkdir empty && scpipe cp -r empty ${target} vault:d)`);
    const scpDir = new ScpipeError('ERR_REMOTE', 'remote: scp: d: not a regular file');
    expect((withDirectoryHint(scpDir, { ...plain, path: 'd/' }) as Error).message).toContain(`\`scpipe cp --quote none ${target} 'vault:d/*.sha256' DIR/\``);
    const manifest = { version: 1, name: 's.bin', size: 3n, partSize: 1n, sha256: '', time: '', parts: [0, 1, 2].map(() => ({ size: 1n, sha256: '' })) } as unknown as Manifest;
    const bad = new ScpipeError('ERR_CHECKSUM', 'part s.bin.000000 does not match', { path: 'd/s.bin.000000' });
    for (const protocol of ['sftp', 'scp']) {
      // Over SCP too the next part is named: a glob needs a remote shell, which scpipe serve has not.
      const said = (withRestOfSetHint(bad, plain, { manifest, protocol } as Download) as Error).message;
      expect(said).toContain(`\`scpipe get --output s.bin.000001 ${target} vault:d/s.bin.000001\``);
      expect(said).not.toContain('*');
    }
    const sftpDir = new ScpipeError('ERR_REMOTE', 'd: is a directory');
    expect((withDirectoryHint(sftpDir, { ...plain, path: 'd/' }) as Error).message).toContain(`\`sftp ${target} vault:d\``);
  });
});

describe("the next part's command fetches it as the run did", () => {
  it('-O or -s, --protocol, -C, -l, -T, --retries and the timeouts, as words the shell reads back', () => {
    expect(words(fetchWords({ O: true, C: true, l: '8000', retries: 0, 'stall-timeout': '2m', 'start-timeout': '30' }).join(' '))).toEqual(['-O', '-C', '-l', '8000', '--retries', '0', '--stall-timeout', '2m', '--start-timeout', '30']);
    expect(words(fetchWords({ s: true, protocol: 'sftp' }).join(' '))).toEqual(['-s', '--protocol', 'sftp']);
    expect(words(fetchWords({ T: true }).join(' '))).toEqual(['-T']);
    expect(fetchWords({ T: false })).toEqual([]);
    expect(fetchWords({})).toEqual([]);
  });

  it('the message gives them after the part to write, before the target', () => {
    const manifest = { version: 1, name: 's.bin', size: 3n, partSize: 1n, sha256: '', time: '', parts: [0, 1, 2].map(() => ({ size: 1n, sha256: '' })) } as unknown as Manifest;
    const bad = new ScpipeError('ERR_NO_SUCH_FILE', 'part s.bin.000000: No such file or directory', { path: 'd/s.bin.000000' });
    const said = (withRestOfSetHint(bad, pasteSpec({ host: 'vault', path: 'd/s.bin' }, { P: '2222' }), { manifest } as Download, fetchWords({ s: true, l: '8000', retries: 2 })) as Error).message;
    expect(said).toContain('`scpipe get --output s.bin.000001 -s -l 8000 --retries 2 -P 2222 vault:d/s.bin.000001`');
  });
});
