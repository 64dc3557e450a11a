import { ssh2Algorithms } from '../../../lib/transport/algorithms';
import { thrown } from '../../helpers/async';

describe('ssh2Algorithms (ssh_config algorithm lists -> ssh2 algorithms)', () => {
  it('keeps ssh2\'s defaults when no list was set, less ssh-rsa host keys (SHA-1), which ssh dropped in 8.8', () => {
    expect(ssh2Algorithms({})).toEqual({ serverHostKey: { remove: ['ssh-rsa'] } });
  });

  it('offers ssh-rsa host keys when HostKeyAlgorithms asks for them, as ssh', () => {
    expect(ssh2Algorithms({ HostKeyAlgorithms: '+ssh-rsa' })).toEqual({ serverHostKey: { append: ['ssh-rsa'] } });
    expect(ssh2Algorithms({ HostKeyAlgorithms: '^ssh-rsa' })).toEqual({ serverHostKey: { remove: ['ssh-rsa'], prepend: ['ssh-rsa'] } });
    expect(ssh2Algorithms({ HostKeyAlgorithms: 'ssh-rsa,ssh-ed25519' })).toEqual({ serverHostKey: ['ssh-rsa', 'ssh-ed25519'] });
    expect(ssh2Algorithms({ HostKeyAlgorithms: '+ssh-dss' })).toEqual({ serverHostKey: { append: ['ssh-dss'], remove: ['ssh-rsa'] } });
    expect(ssh2Algorithms({ HostKeyAlgorithms: '-ssh-dss' })).toEqual({ serverHostKey: { remove: ['ssh-dss', 'ssh-rsa'] } });
  });

  it('takes a plain list as the exact list, in order', () => {
    expect(ssh2Algorithms({ Ciphers: 'aes256-gcm@openssh.com, aes128-ctr' })).toEqual({
      cipher: ['aes256-gcm@openssh.com', 'aes128-ctr'], serverHostKey: { remove: ['ssh-rsa'] },
    });
  });

  it.each([
    ['+', 'append'],
    ['-', 'remove'],
  ])('maps "%s" to ssh2\'s %s', (op, key) => {
    expect(ssh2Algorithms({ KexAlgorithms: `${op}curve25519-sha256,ecdh-sha2-nistp256` })).toEqual({
      kex: { [key]: ['curve25519-sha256', 'ecdh-sha2-nistp256'] }, serverHostKey: { remove: ['ssh-rsa'] },
    });
  });

  it('maps "^" to remove-then-prepend, so names already in the list move to the front (as OpenSSH)', () => {
    const result = ssh2Algorithms({ KexAlgorithms: '^ecdh-sha2-nistp256' });
    expect(result).toEqual({ kex: { remove: ['ecdh-sha2-nistp256'], prepend: ['ecdh-sha2-nistp256'] }, serverHostKey: { remove: ['ssh-rsa'] } });
    expect(Object.keys(result!.kex!)).toEqual(['remove', 'prepend']); // ssh2 applies them in this order
  });

  it('turns * and ? patterns into anchored RegExps, escaping the rest', () => {
    const result = ssh2Algorithms({ MACs: '-hmac-sha1*,umac-?4@openssh.com' }) as { hmac: { remove: RegExp[] } };
    const [sha1, umac] = result.hmac.remove;
    expect(sha1!.test('hmac-sha1')).toBe(true);
    expect(sha1!.test('hmac-sha1-etm@openssh.com')).toBe(true);
    expect(sha1!.test('xhmac-sha1')).toBe(false);
    expect(umac!.test('umac-64@openssh.com')).toBe(true);
    expect(umac!.test('umac-64@openssh_com')).toBe(false); // the dot is literal
  });

  it('gives an exact list with patterns as "remove everything, then append"', () => {
    const result = ssh2Algorithms({ HostKeyAlgorithms: 'ssh-ed25519,ecdsa-*' }) as {
      serverHostKey: { remove: RegExp[]; append: (string | RegExp)[] };
    };
    expect(Object.keys(result.serverHostKey)).toEqual(['remove', 'append']); // ssh2 applies them in this order
    expect(result.serverHostKey.remove[0]!.test('anything')).toBe(true);
    expect(result.serverHostKey.append[0]).toBe('ssh-ed25519');
    expect((result.serverHostKey.append[1] as RegExp).test('ecdsa-sha2-nistp256')).toBe(true);
  });

  it('sets each category it was given', () => {
    expect(Object.keys(ssh2Algorithms({ Ciphers: 'a', MACs: 'b', KexAlgorithms: 'c', HostKeyAlgorithms: 'd' })!).sort()).toEqual(
      ['cipher', 'hmac', 'kex', 'serverHostKey'],
    );
  });

  it('refuses an empty list with ERR_CONFIG naming the key', () => {
    expect(thrown(() => ssh2Algorithms({ Ciphers: '+ , ' }))).toMatchObject({ code: 'ERR_CONFIG', message: 'Ciphers: empty list "+ , "' });
  });
});
