import { sshLossReason } from '../../../lib/transport/ssh-stderr';

describe('sshLossReason', () => {
  it("names ssh's last loss line, not the remote's lines before it", () => {
    const said = 'scp: some remote word\r\nBad packet length 4278222864.\r\nssh_dispatch_run_fatal: Connection to h port 22: Connection corrupted\r\n';
    expect(sshLossReason(said)).toBe('ssh: ssh_dispatch_run_fatal: Connection to h port 22: Connection corrupted');
  });

  it('escapes what the peer put in the line and cuts it to 400 characters', () => {
    const said = `Connection closed by \x1b[2J${'x'.repeat(1000)}\n`;
    const why = sshLossReason(said);
    expect(why).toMatch(/^ssh: Connection closed by \\x1b\[2Jx+…$/);
    expect(Array.from(why.slice('ssh: '.length)).length).toBeLessThanOrEqual(401 + 3);
  });

  it('says how to make ssh say why when it said nothing of the loss', () => {
    expect(sshLossReason('scp: a remote line\n')).toMatch(/^ssh ended \(exit status 255\) without saying why: .*-o LogLevel=INFO/);
  });
});
