import { chachaBeforeCtr } from '../../../lib/transport/cipher-order';

const GCM = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'];
const CHACHA = 'chacha20-poly1305@openssh.com';

describe('chachaBeforeCtr (ssh2 1.17 places chacha20-poly1305 after two CTR ciphers on x86)', () => {
  it('moves it right after the GCM ciphers, before every CTR one', () => {
    expect(chachaBeforeCtr([...GCM, 'aes128-ctr', 'aes192-ctr', CHACHA, 'aes256-ctr'])).toEqual([...GCM, CHACHA, 'aes128-ctr', 'aes192-ctr', 'aes256-ctr']);
  });

  it('keeps a list where it is first, last (no binding: slow in JS), absent, or before CTR already', () => {
    expect(chachaBeforeCtr([CHACHA, ...GCM, 'aes128-ctr'])).toBeUndefined();
    expect(chachaBeforeCtr([...GCM, 'aes128-ctr', 'aes256-ctr', CHACHA])).toBeUndefined();
    expect(chachaBeforeCtr([...GCM, 'aes128-ctr'])).toBeUndefined();
    expect(chachaBeforeCtr([...GCM, CHACHA, 'aes128-ctr'])).toBeUndefined();
  });
});
