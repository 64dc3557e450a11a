// authorized_keys options as serve keeps them: from= and expiry-time= are
// checked as sshd checks them; a forced command or a CA key is refused.
import { AuthorizedKeys } from '../../../lib/server/authorized-keys';
import { fromAllows, parseKeyOptions } from '../../../lib/server/key-options';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILakhM9cu6UvH2fVtRXso8tqDdos7cG9OuW1rlt3om/9';
const NOW = new Date('2026-12-05T12:00:00Z');

describe('from= (sshd without DNS)', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['10.9.9.9', '127.0.0.1', false],
    ['127.0.0.*', '127.0.0.1', true],
    ['127.0.0.?', '127.0.0.12', false],
    ['10.0.0.0/8,127.0.0.0/8', '127.0.0.1', true],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['*,!127.0.0.1', '127.0.0.1', false],
    ['!127.0.0.1,*', '127.0.0.2', true],
    ['::1', '::1', true],
    ['fd00::/8', '::1', false],
    ['localhost', '127.0.0.1', false], // a host name: no DNS, no match
  ])('%s from %s: %s', (patterns, ip, allowed) => {
    expect(fromAllows(patterns, ip)).toBe(allowed);
  });
});

describe('parseKeyOptions', () => {
  const refusal = (text: string, ip = '127.0.0.1'): string | undefined => {
    const o = parseKeyOptions(text);
    if ('refused' in o) throw new Error(o.refused);
    return o.refusal(ip, NOW);
  };

  it('allows a key with no options, or with options that forbid what serve never does', () => {
    expect(refusal('')).toBeUndefined();
    expect(refusal('no-pty,no-port-forwarding,restrict,permitopen="host:22",environment="A=b,c"')).toBeUndefined();
  });

  it('checks expiry-time in local time, or UTC with Z', () => {
    expect(refusal('expiry-time="20000101"')).toMatch(/^the key expired at 2000-01-0/);
    expect(refusal('expiry-time="299901011200"')).toBeUndefined();
    expect(refusal('expiry-time="202612051159Z"')).toBe('the key expired at 2026-12-05T11:59:00.000Z (expiry-time)');
    expect(refusal('expiry-time="20261205120001Z"')).toBeUndefined();
  });

  // Both were taken from the last one: an expired key, or one fenced to an address, logged in from anywhere.
  it('takes the earliest of two expiry-time=, and refuses a line with two from=, as sshd', () => {
    expect(refusal('expiry-time="20000101",expiry-time="29990101"')).toMatch(/^the key expired at 2000-01-0/);
    expect(refusal('expiry-time="29990101",expiry-time="20000101"')).toMatch(/^the key expired at 2000-01-0/);
    const o = parseKeyOptions('from="10.9.9.9",from="127.0.0.1"');
    expect('refused' in o && o.refused).toBe('from= is given twice (sshd refuses the line: multiple "from" clauses)');
  });

  // sshd matches " 127.0.0.1" literally, so never; trimmed, it let 127.0.0.1 in.
  it('refuses a from= list with a space around a pattern', () => {
    const o = parseKeyOptions('from="10.9.9.9, 127.0.0.1"');
    expect('refused' in o && o.refused).toBe('from="10.9.9.9, 127.0.0.1" has a space around a pattern, which sshd never matches (write the list without spaces)');
  });

  it('checks from=, a quoted list holding commas', () => {
    expect(refusal('from="10.0.0.1,10.0.0.2",no-pty')).toBe('the key is not allowed from 127.0.0.1 (from="10.0.0.1,10.0.0.2")');
    expect(refusal('FROM="127.0.0.1"')).toBeUndefined();
  });

  it.each([
    ['command="rrsync -wo /in"', /^command="…" cannot be kept by serve/],
    ['cert-authority', /^cert-authority cannot be kept/],
    ['no-pty,verify-required', /^verify-required cannot be kept/],
    ['expiry-time="tomorrow"', /is not a time sshd reads/],
    ['from="127.0.0.1', /cannot be parsed/],
    ['no-pty no-x11', /cannot be parsed/],
  ])('refuses a key with %s', (text, why) => {
    const o = parseKeyOptions(text);
    expect('refused' in o && o.refused).toMatch(why);
  });
});

describe('AuthorizedKeys', () => {
  const blob = (): Buffer => Buffer.from(KEY.split(' ')[1]!, 'base64');

  it('allows a listed key where any of its lines allows it, and says why not otherwise', () => {
    const one = AuthorizedKeys.parse(`from="10.0.0.0/8" ${KEY} fenced\n`);
    expect(one.allows(blob(), '10.1.1.1', NOW)).toBe(true);
    expect(one.allows(blob(), '127.0.0.1', NOW)).toBe('the key is not allowed from 127.0.0.1 (from="10.0.0.0/8")');
    const two = AuthorizedKeys.parse(`from="10.0.0.0/8" ${KEY}\n${KEY} open\n`);
    expect(two.allows(blob(), '127.0.0.1', NOW)).toBe(true);
    expect(AuthorizedKeys.parse('').allows(blob(), '127.0.0.1', NOW)).toBeUndefined();
  });

  // A key pasted across two lines used to vanish without a word, and every login with it failed.
  it('names the lines that hold no key it can read', () => {
    const [type, data, comment] = KEY.split(' ');
    const keys = AuthorizedKeys.parse(`# keys\n\n${type} ${data!.slice(0, 30)}\n${data!.slice(30)} ${comment ?? ''}\n${KEY}\n`);
    expect(keys.size).toBe(1);
    expect(keys.skipped).toEqual([
      { line: 3, why: 'the key cannot be read: Malformed OpenSSH public key' },
      { line: 4, why: 'no public key in this line' },
    ]);
  });

  it('skips a key it cannot keep, naming its line', () => {
    const keys = AuthorizedKeys.parse(`# keys\ncommand="uptime",no-pty ${KEY} monitor\n`);
    expect(keys.size).toBe(0);
    expect(keys.skipped).toEqual([{ line: 2, why: 'command="…" cannot be kept by serve, which runs only scp and SFTP' }]);
    expect(keys.allows(blob(), '127.0.0.1', NOW)).toBeUndefined();
  });
});
