import { sshLossReason, withoutLossLines } from '../../../lib/transport/ssh-stderr';

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

  it('under a ControlPath, says a master\'s client is never told, whatever LogLevel', () => {
    expect(sshLossReason('', true)).toBe(
      "ssh ended (exit status 255) without saying why: at LogLevel ERROR it does not; -o LogLevel=INFO makes it say, unless it was a client of a ControlMaster (ControlPath), which is never told: the master's own log has the reason",
    );
  });
});

describe('withoutLossLines', () => {
  // The remote's lines around ssh's own line of the loss, fed whole and a byte at a time.
  const said = 'scp: a remote line\n\nConnection reset here, says the remote\nclient_loop: send disconnect: Broken pipe\npartial';
  const run = async (pieces: string[], lost: boolean): Promise<{ early: string; all: string }> => {
    let decide!: (lost: boolean) => void;
    const filter = withoutLossLines(new Promise((resolve) => (decide = resolve)));
    let text = '';
    filter.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const ended = new Promise((resolve) => filter.once('end', resolve));
    for (const p of pieces) filter.write(Buffer.from(p, 'latin1'));
    filter.end();
    await new Promise((resolve) => setImmediate(resolve));
    const early = text;
    decide(lost);
    await ended;
    return { early, all: text };
  };

  it.each([['whole', [said]], ['a byte at a time', Array.from(said)]])("drops ssh's line of the loss when ssh ended so (%s); the rest passes as it comes", async (_how, pieces) => {
    const { early, all } = await run(pieces, true);
    expect(early).toBe('scp: a remote line\n\nConnection reset here, says the remote\npartial');
    expect(all).toBe(early);
  });

  it('passes the line on at the end when ssh did not end with a lost connection', async () => {
    expect((await run([said], false)).all).toBe('scp: a remote line\n\nConnection reset here, says the remote\npartialclient_loop: send disconnect: Broken pipe\n');
  });

  it('passes a line that begins as one of the loss at once when it turns out not to be', async () => {
    const { early } = await run(['Conn', 'ection to h clo', 'sed by remote host.\n', 'Conn', 'ect'], true);
    expect(early).toBe('');
    const other = await run(['Connecting to the tape\n', 'client', '_ok\n'], true);
    expect(other.early).toBe('Connecting to the tape\nclient_ok\n');
  });

  it.each([['Connection ', 'whole'], ['client_loop: ', 'a byte at a time']])('passes a line begun as "%s" at once once it is longer than any of ssh\'s, fed %s, not held to its newline', async (start, how) => {
    const line = start + 'x'.repeat(10_000);
    const { early, all } = await run(how === 'whole' ? [line] : Array.from(line), true);
    expect(early).toBe(line);
    expect(all).toBe(line);
  });
});
