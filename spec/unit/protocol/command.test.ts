import { remoteScpCommand } from '../../../lib/protocol/command';

describe('remoteScpCommand (the command put, get, upload and download run)', () => {
  it('takes quote, scpPath and remoteVerbose from the caller\'s options', () => {
    expect(remoteScpCommand('source', 'a b', { quote: 'double', scpPath: '/opt/scp', remoteVerbose: true, preserve: true })).toBe(
      '"/opt/scp" -v -p -f "a b"',
    );
    expect(remoteScpCommand('sink', 'dir', { recursive: true, targetIsDirectory: true })).toBe("scp -r -d -t 'dir'");
  });

  it('sends a sink to `.` for an empty path (host:), and a source to the path as given', () => {
    expect(remoteScpCommand('sink', '', {})).toBe("scp -t '.'");
    expect(remoteScpCommand('source', '', { quote: 'none' })).toBe('scp -f ');
  });
});
