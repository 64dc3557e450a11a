// loadHostKey's generated key, and generateHostKeyPair's way around ssh2's
// keygen, which makes about 1 ed25519 key in 256 malformed (mscdex/ssh2#1513).
import { execFileSync } from 'node:child_process';
import fs = require('node:fs');
import * as path from 'node:path';
import { utils } from 'ssh2';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { generateHostKeyPair, loadHostKey } from '../../../lib/server/host-key';

// What ssh2 returns for a key whose public half starts with a zero byte: the
// blob is short, and both halves fail to parse (this one is cut by hand).
function malformedPair(): { private: string; public: string } {
  const good = utils.generateKeyPairSync('ed25519');
  const blob = Buffer.from(good.public.split(' ')[1]!, 'base64');
  return { private: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', public: `ssh-ed25519 ${blob.subarray(0, blob.length - 1).toString('base64')}` };
}

const tempDir = tempDirPerTest('scpipe-test-hostkey-');

describe('generateHostKeyPair', () => {
  it('makes a pair ssh2 and ssh-keygen both read', () => {
    const pair = generateHostKeyPair();
    expect(utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
    expect(utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
    const file = path.join(tempDir(), 'k');
    fs.writeFileSync(file, pair.private, { mode: 0o600 });
    expect(execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim()).toBe(pair.public.trim());
  });

  it('throws a malformed pair away and makes another', () => {
    const bad = malformedPair();
    expect(utils.parseKey(bad.public)).toBeInstanceOf(Error);
    // A good one made beforehand: ssh2's own next key is malformed too, 1 time in 256.
    let good = utils.generateKeyPairSync('ed25519');
    while (utils.parseKey(good.public) instanceof Error || utils.parseKey(good.private) instanceof Error) good = utils.generateKeyPairSync('ed25519');
    const made: string[] = [];
    const spy = jest.spyOn(utils, 'generateKeyPairSync').mockImplementation((() => {
      const pair = made.length === 0 ? bad : good;
      made.push(pair.public);
      return pair;
    }) as typeof utils.generateKeyPairSync);
    const pair = generateHostKeyPair();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(pair.public).toBe(good.public);
  });

  it('gives up with a clear error if the generator never makes a usable key', () => {
    const bad = malformedPair();
    jest.spyOn(utils, 'generateKeyPairSync').mockImplementation((() => bad) as typeof utils.generateKeyPairSync);
    expect(() => generateHostKeyPair()).toThrow(expect.objectContaining({ message: 'could not generate a host key ssh2 can read (16 tries)' }));
  });
});

describe('loadHostKey(path, generate)', () => {
  it('writes a usable key even when the first one generated is malformed, and loads the same key next time', async () => {
    const bad = malformedPair();
    const real = utils.generateKeyPairSync;
    let calls = 0;
    jest.spyOn(utils, 'generateKeyPairSync').mockImplementation(((type: 'ed25519') => (calls++ === 0 ? bad : real(type))) as typeof utils.generateKeyPairSync);
    const file = path.join(tempDir(), 'cache', 'scpipe', 'key');
    const first = await loadHostKey(file, true);
    expect(first.generated).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(`${file}.pub`, 'utf8')).toBe(`${first.publicKey}\n`);
    const again = await loadHostKey(file, true);
    expect([again.generated, again.fingerprint]).toEqual([false, first.fingerprint]);
  });

  it('names a saved key it cannot read, and how to get a new one', async () => {
    const file = path.join(tempDir(), 'key');
    fs.writeFileSync(file, malformedPair().private, { mode: 0o600 });
    await expect(loadHostKey(file, true)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `cannot use host key ${file}: Malformed OpenSSH private key (remove it, and the next start makes a new one)`,
    });
    // A key the user named with --host-key is theirs: no such advice.
    await expect(loadHostKey(file, false)).rejects.toMatchObject({ message: `cannot use host key ${file}: Malformed OpenSSH private key` });
  });

  // ssh-keygen leaves KEY and KEY.pub side by side; --host-key KEY.pub
  // parsed, then ssh2's Server threw: "internal error" and a stack trace, exit 1.
  it('refuses a public key with a usage error', async () => {
    const file = path.join(tempDir(), 'hk');
    execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', file]);
    await expect(loadHostKey(`${file}.pub`, false)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `cannot use host key ${file}.pub: it is a public key; give the private key`,
    });
  });

  it("says the errno's words for a file that is not there", async () => {
    const file = path.join(tempDir(), 'none', 'hk');
    await expect(loadHostKey(file, false)).rejects.toMatchObject({ code: 'ERR_USAGE', message: `cannot read host key ${file}: No such file or directory` });
  });

  // sshd refuses a host key others may read; serve says so (cli/commands/serve.ts).
  it('tells the mode of a key that group or others may read', async () => {
    const file = path.join(tempDir(), 'hk');
    execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', file]);
    expect((await loadHostKey(file, false)).openMode).toBeUndefined();
    fs.chmodSync(file, 0o644);
    expect((await loadHostKey(file, false)).openMode).toBe(0o644);
  });

  // HOME=/nonexistent (Debian's service users): as root, mkdir -p made
  // /nonexistent/.cache/scpipe at the top of the file system.
  it('never makes the home directory itself', async () => {
    const home = path.join(tempDir(), 'nonexistent');
    await expect(loadHostKey(path.join(home, '.cache', 'scpipe', 'key'), true)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `cannot save a new host key: ${home}: No such file or directory; give one with --host-key FILE`,
    });
    expect(fs.existsSync(home)).toBe(false);
  });

  // A service user with no writable home got "internal error" and a stack
  // trace, exit 1. (Root writes anywhere: a cache directory that is a
  // dangling link, as to a disk not mounted, cannot be made either.)
  it('says where it could not save a new key, and what to give instead', async () => {
    const cache = path.join(tempDir(), 'cache');
    fs.symlinkSync(path.join(tempDir(), 'not-mounted', 'cache'), cache);
    await expect(loadHostKey(path.join(cache, 'key'), true)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `cannot save a new host key: ${cache}: No such file or directory; give one with --host-key FILE`,
    });
  });
});
