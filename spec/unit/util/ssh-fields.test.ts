import { SshFields } from '../../../lib/util/ssh-fields';

const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

describe('SshFields', () => {
  it('reads strings, uint32s and skips in turn', () => {
    const f = new SshFields(Buffer.concat([str('exec'), Buffer.from([1]), str('scp -t /x'), Buffer.from([0, 0, 0, 7])]));
    expect(f.string()?.toString()).toBe('exec');
    expect(f.skip(1)).toBe(true);
    expect(f.string()?.toString()).toBe('scp -t /x');
    expect(f.uint32()).toBe(7);
    expect(f.uint32()).toBeUndefined();
  });

  it('reads a field that runs past the end at every cut as undefined, and does not move', () => {
    const whole = str('ssh-ed25519');
    for (let cut = 0; cut < whole.length; cut++) {
      const f = new SshFields(whole.subarray(0, cut));
      expect(f.string()).toBeUndefined();
      expect(f.at).toBe(0);
    }
    const f = new SshFields(Buffer.from([0, 0]), 1);
    expect(f.uint32()).toBeUndefined();
    expect(f.skip(2)).toBe(false);
    expect(f.at).toBe(1);
  });

  it('reads a length past the end (a hostile 0xffffffff) as undefined', () => {
    expect(new SshFields(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2])).string()).toBeUndefined();
  });
});
