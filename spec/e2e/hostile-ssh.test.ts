// Text a hostile SSH server chooses outside SCP and SFTP: a DISCONNECT's
// reason, the methods a failed login may go on with, an exit-signal's name.
// It reaches the terminal escaped and cut (400 characters, as ssh logs it
// through strnvis with %.400s; 40 for a signal name), a DISCONNECT in ssh's
// words: "Received disconnect from HOST port PORT:CODE: TEXT".
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../helpers/async';
import { runCli, startCli } from '../helpers/cli';
import { forcedScp, sendDisconnect, startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

const EVIL = '\x1b]52;c;cHduZWQ=\x07 \r\x1b[2K\x1b[31mred\x9b';
const SHOWN = '\\x1b]52;c;cHduZWQ=\\x07 \\r\\x1b[2K\\x1b[31mred\\x9b';
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/; // anything but \n reaching the terminal raw

let fake: HostileSsh | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('what a hostile SSH server says reaches the terminal escaped and bounded', () => {
  it('a DISCONNECT during the login: exit 255, its text escaped and cut to 400 characters', async () => {
    fake = await startHostileSsh({ onAuth: (_ctx, conn) => sendDisconnect(conn, 2, `${EVIL}${'y'.repeat(5000)}`) });
    const r = await runCli(['get', ...fake.args(), '--retries', '0', 'backup@127.0.0.1:f']);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`scpipe: backup@127.0.0.1: Received disconnect from 127.0.0.1 port ${fake.port}:2: ${SHOWN}${'y'.repeat(400 - EVIL.length)}…\n`);
  });

  it('a DISCONNECT while scp runs: the connection lost, with its text escaped, also in -v', async () => {
    fake = await startHostileSsh({ onExec: (_channel, _command, conn) => sendDisconnect(conn, 2, `bye ${EVIL}`) });
    const r = await runCli(['get', ...fake.args(), '-v', '-O', '--retries', '0', 'backup@127.0.0.1:f']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`scpipe: connection error: bye ${SHOWN}\n`);
    expect(r.stderr).toMatch(new RegExp(`connection lost.*: Received disconnect from 127\\.0\\.0\\.1 port ${fake.port}:2: bye ${SHOWN.replace(/[\\[\]]/g, '\\$&')}\\n$`));
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(CONTROL);
  });

  it('SCPIPE_DEBUG_SSH=1 with -v: ssh2\'s own debug lines, which quote the server\'s text, are escaped too', async () => {
    fake = await startHostileSsh({ onExec: (_channel, _command, conn) => sendDisconnect(conn, 2, `bye ${EVIL}`) });
    const r = await runCli(['get', ...fake.args(), '-v', '-O', '--retries', '0', 'backup@127.0.0.1:f'], { env: { SCPIPE_DEBUG_SSH: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/scpipe: Inbound: /); // ssh2's lines are there
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(CONTROL);
  });

  it('an exit-signal whose name holds terminal escapes: escaped and cut to 40 characters, also in -v and --json', async () => {
    const name = `KILL${EVIL}${'Q'.repeat(3000)}`;
    // ssh2's server sends only the signals it knows: this one is made known to it.
    (require('ssh2/lib/protocol/constants.js') as { SIGNALS: Record<string, number> }).SIGNALS[name.toUpperCase()] = 1;
    fake = await startHostileSsh({
      onExec: (channel, _command, conn) =>
        channel.once('data', () => {
          (conn as unknown as { _protocol: { exitSignal(id: number, name: string, core: boolean, msg: string): void } })._protocol.exitSignal(
            (channel as unknown as { outgoing: { id: number } }).outgoing.id, name, false, '');
          channel.end();
        }),
    });
    const r = await runCli(['get', ...fake.args(), '-v', '--json', '-O', '--retries', '0', 'backup@127.0.0.1:f']);
    expect(r.status).toBe(1);
    // Upper case: ssh2's server sends the name so.
    const shown = `SIGKILL\\x1b]52;C;CHDUZWQ=\\x07 \\r\\x1b[2K\\x1b[31MRED\\x9b${'Q'.repeat(40 - 7 - EVIL.length)}…`;
    expect(r.stderr).toContain(`scpipe: exit status ${shown}\n`);
    expect(JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('{'))!).error.message).toBe(`remote command was killed by signal ${shown}`);
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(CONTROL);
  });

  it('a refused channel: its description escaped and cut to 400 characters', async () => {
    fake = await startHostileSsh({ refuseSessions: `no ${EVIL}${'n'.repeat(5000)}` });
    const r = await runCli(['get', ...fake.args(), '-O', '--retries', '0', 'backup@127.0.0.1:f']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`no ${SHOWN}nnn`);
    expect(r.stderr).not.toContain('n'.repeat(400));
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(CONTROL);
  });

  it('lines before the version line without end: given up after 1,024, as ssh does (exit 255), not a busy wait for the timeout', async () => {
    const line = Buffer.from(`${'x'.repeat(200)}\r\n`.repeat(1000));
    const sockets = new Set<Socket>();
    const flood: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      const pump = (): void => {
        while (!socket.destroyed && socket.write(line));
      };
      socket.on('drain', pump);
      pump();
    });
    await new Promise<void>((r) => flood.listen(0, '127.0.0.1', r));
    try {
      const port = (flood.address() as AddressInfo).port;
      const r = await runCli(['get', '-F', 'none', '-P', String(port), '-o', 'BatchMode=yes', '--retries', '0', 'backup@127.0.0.1:f'], { timeoutMs: 60_000 });
      expect(r.status).toBe(255);
      expect(r.stderr).toBe("scpipe: backup@127.0.0.1: banner exchange: more than 1024 lines before the server's SSH version line\n");
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => flood.close(r));
    }
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('an sftp subsystem that never sends its version: %s ends the run at once (exit %i)', async (signal, status) => {
    fake = await startHostileSsh({ silentSftp: true });
    const run = startCli(['get', ...fake.args(), '-v', '--retries', '0', 'backup@127.0.0.1:f']);
    await waitFor(() => run.stderr().includes('sftp: opening the sftp subsystem'), 'the subsystem asked for');
    await new Promise((r) => setTimeout(r, 200)); // the request is out, the answer never comes
    run.child.kill(signal);
    const r = await run.done;
    expect(r.status).toBe(status);
  });

  // An account whose forced command is `scp -t DIR` (authorized_keys
  // command=): the subsystem request runs it too, and it never speaks SFTP.
  // Modelled by a subsystem that stays silent and an exec that runs the real
  // scp -t into DIR whatever was asked. User sees: exit 0 after the wait;
  // left: DIR/f holding the input. 2 s, not the default 10, to spare CI's time.
  it('under auto, a subsystem silent for the bound (--start-timeout 2) is taken as a refusal: the upload goes over SCP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scpipe-test-forced-'));
    try {
      fake = await startHostileSsh({ silentSftp: true, onExec: (channel) => forcedScp(channel, dir) });
      const r = await runCli(['put', ...fake.args(), '-v', '--start-timeout', '2', '--retries', '0', 'backup@127.0.0.1:f'], { stdin: 'stored by scp', timeoutMs: 60_000 });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain("protocol: scp (the sftp subsystem sent no SFTP version in 2 s (the account's forced command may not be sftp-server, or the host is slower to start it: raise --start-timeout))");
      expect(await readFile(join(dir, 'f'), 'utf8')).toBe('stored by scp');
      // --protocol sftp says the same, and what to try.
      const forced = await runCli(['put', ...fake.args(), '--start-timeout', '2', '--protocol', 'sftp', '--retries', '0', 'backup@127.0.0.1:g'], { stdin: 'x', timeoutMs: 60_000 });
      expect(forced.status).toBe(1);
      expect(forced.stderr).toMatch(/sent no SFTP version in 2 s .*; this host may allow only scp: try --protocol scp/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it.each([
    ['the channel open', 'session'],
    ['the exec request', 'exec'],
  ] as const)('a server that never answers %s: SIGTERM ends the run at once (exit 143)', async (_what, ignore) => {
    fake = await startHostileSsh({ ignore });
    const run = startCli(['get', ...fake.args(), '-v', '-O', '--retries', '0', 'backup@127.0.0.1:f']);
    await waitFor(() => run.stderr().includes("exec: scp -f 'f'"), 'the command asked for');
    await new Promise((r) => setTimeout(r, 200)); // the request is out, the answer never comes
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
  });

  it('the methods a failed login may go on with (-v): escaped', async () => {
    // ASCII only: ssh2's server counts this list in characters, not bytes.
    fake = await startHostileSsh({ onAuth: (ctx) => ctx.reject(['publickey', 'pass\x1b]52;c;cHduZWQ=\x07\rword' as 'password']) });
    const r = await runCli(['get', ...fake.args(), '-v', '--retries', '0', 'backup@127.0.0.1:f']);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('(server allows: publickey,pass\\x1b]52;c;cHduZWQ=\\x07\\rword)');
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(CONTROL);
  });
});
