// What ssh-agent signs with is checked for its key type's form before ssh2
// converts it for the wire (where a malformed one threw out of the event loop).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils, type ParsedKey } from 'ssh2';
import { checkedSignature, signatureProblem } from '../../../lib/transport/agent-signature';
import { ScpipeError } from '../../../lib/errors';

const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);

describe('signatureProblem', () => {
  it('takes the forms each key type signs in, and says what is wrong with others', () => {
    expect(signatureProblem('ssh-ed25519', Buffer.alloc(64, 1))).toBeUndefined();
    expect(signatureProblem('ssh-ed25519-cert-v01@openssh.com', Buffer.alloc(63, 1))).toBe('63 bytes, not 64');
    expect(signatureProblem('ssh-dss', Buffer.alloc(40, 1))).toBeUndefined();
    expect(signatureProblem('ecdsa-sha2-nistp256', Buffer.concat([str(Buffer.alloc(33, 1)), str(Buffer.alloc(32, 2))]))).toBeUndefined();
    expect(signatureProblem('ecdsa-sha2-nistp256-cert-v01@openssh.com', Buffer.from([0x30, 0x03, 0x05, 0x01, 0x00]))).toBe('not the two integers of an ECDSA signature');
    expect(signatureProblem('ecdsa-sha2-nistp384', Buffer.concat([str(Buffer.alloc(3, 1)), str(Buffer.alloc(3, 2)), Buffer.from([9])]))).toBe('not the two integers of an ECDSA signature');
    expect(signatureProblem('rsa-sha2-512-cert-v01@openssh.com', Buffer.alloc(256, 1))).toBeUndefined();
    expect(signatureProblem('ssh-rsa', Buffer.alloc(0))).toBe('an empty signature');
  });
});

describe('checkedSignature', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scpipe-test-agent-sig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a well-formed signature and an agent error on, and turns a malformed one into ERR_AUTH naming the key', () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const key = utils.parseKey(readFileSync(join(dir, 'k.pub'))) as ParsedKey;
    const got: Array<[Error | null | undefined, Buffer | undefined]> = [];
    const cb = checkedSignature(key, (err, sig) => got.push([err, sig]));
    const refused = new Error('agent refused operation');
    cb(undefined, Buffer.alloc(64, 7));
    cb(refused);
    cb(undefined, Buffer.alloc(10));
    expect(got[0]).toEqual([undefined, Buffer.alloc(64, 7)]);
    expect(got[1]![0]).toBe(refused);
    expect(got[2]![0]).toBeInstanceOf(ScpipeError);
    expect(got[2]![0]).toMatchObject({ code: 'ERR_AUTH', message: expect.stringMatching(/^ssh-agent: signing with the ssh-ed25519 key SHA256:\S+ gave a malformed signature \(10 bytes, not 64\): the key is skipped$/) });
  });
});
