import { protocolOf } from '../../../cli/protocol-option';

describe('protocolOf', () => {
  it('is auto unless told; -O is scp; --scp-path means scp', () => {
    expect(protocolOf({})).toBe('auto');
    expect(protocolOf({ protocol: 'sftp' })).toBe('sftp');
    expect(protocolOf({ O: true })).toBe('scp');
    expect(protocolOf({ O: true, protocol: 'scp' })).toBe('scp');
    expect(protocolOf({ s: true })).toBe('sftp');
    expect(protocolOf({ s: true, 'scp-path': '/opt/bin/scp' })).toBe('sftp');
    expect(protocolOf({ 'scp-path': 'scp' })).toBe('auto');
    expect(protocolOf({ 'scp-path': '/opt/bin/scp' })).toBe('scp');
    expect(protocolOf({ 'scp-path': '/opt/bin/scp', protocol: 'sftp' })).toBe('sftp');
  });

  it('refuses -O with another protocol', () => {
    expect(() => protocolOf({ O: true, protocol: 'sftp' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
    expect(() => protocolOf({ s: true, protocol: 'scp' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
    expect(() => protocolOf({ s: true, O: true })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
