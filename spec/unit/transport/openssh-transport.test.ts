// The openssh transport without a server: the argument vector handed to ssh,
// and the channel over a stand-in `ssh` script (a connection refused, a
// remote that answers, a connection lost mid-way, an abort).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { put } from '../../../lib/client/put';
import { ChannelOpener } from '../../../lib/client/connection';
import { isScpipeError } from '../../../lib/errors';
import { openSshChannel, refusalCode } from '../../../lib/transport/openssh-transport';
import { sshArgs } from '../../../lib/transport/openssh-args';
import { sftpOverChannel } from '../../../lib/transport/openssh-sftp';
import { waitFor } from '../../helpers/async';

const SAFETY = ['-x', '-oPermitLocalCommand=no', '-oClearAllForwardings=yes', '-oRemoteCommand=none', '-oRequestTTY=no', '-oForwardAgent=no'];

describe('sshArgs', () => {
  it('puts the safety options first, then -o (before -p and -l, as scp: ssh keeps the first value), -p -l -F -i, the log level, --, host and command', () => {
    const args = sshArgs(
      {
        host: 'vault',
        user: 'backup',
        port: 2222,
        identityFiles: ['~/.ssh/a', 'b key'],
        configFile: 'none',
        options: ['BatchMode=yes', 'ProxyJump=jump'],
      },
      "scp -t 'x y'",
    );
    expect(args).toEqual([
      ...SAFETY,
      '-o', 'BatchMode=yes', '-o', 'ProxyJump=jump',
      '-p', '2222',
      '-l', 'backup',
      '-F', 'none',
      '-i', '~/.ssh/a', '-i', 'b key',
      '-oLogLevel=ERROR',
      '--', 'vault', "scp -t 'x y'",
    ]);
  });

  it('adds nothing it was not given; -v instead of the quiet log level; BatchMode after the user -o', () => {
    expect(sshArgs({ host: 'h' }, 'scp -f f')).toEqual([...SAFETY, '-oLogLevel=ERROR', '--', 'h', 'scp -f f']);
    expect(sshArgs({ host: 'h', verbose: true, batchMode: true, options: ['BatchMode=no'] }, 'c')).toEqual([
      ...SAFETY, '-o', 'BatchMode=no', '-oBatchMode=yes', '-v', '--', 'h', 'c',
    ]);
  });

  it("puts the keepalive and a reconnection's ConnectTimeout after the user's -o, which win (ssh keeps the first value)", () => {
    expect(sshArgs({ host: 'h', options: ['ConnectTimeout=5'], serverAliveInterval: 15, connectTimeout: 30 }, 'c')).toEqual([
      ...SAFETY, '-o', 'ConnectTimeout=5', '-oServerAliveInterval=15', '-oConnectTimeout=30', '-oLogLevel=ERROR', '--', 'h', 'c',
    ]);
  });

  it('never forces ControlMaster off and never requests a TTY', () => {
    const args = sshArgs({ host: 'h', options: ['ControlMaster=auto'] }, 'c');
    expect(args.filter((a) => /controlmaster/i.test(a))).toEqual(['ControlMaster=auto']);
    expect(args).not.toContain('-t');
    expect(args).toContain('-oRequestTTY=no');
  });

  it('keeps a host that looks like an option after --', () => {
    const args = sshArgs({ host: '-oProxyCommand=evil' }, 'scp -t x');
    expect(args.slice(-3)).toEqual(['--', '-oProxyCommand=evil', 'scp -t x']);
  });
});

describe('openSshChannel over a stand-in ssh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scpipe-fake-ssh-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A fake `ssh` that runs `script` (the real argv is in "$@").
  function fakeSsh(name: string, script: string): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('exit 255 before any byte: ready() rejects with ERR_CONNECT and ssh\'s last line', async () => {
    const ssh = fakeSsh('refused', 'echo "some warning" >&2; echo "ssh: connect to host h port 1: Connection refused" >&2; exit 255');
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    const err = await ch.ready().then(() => undefined, (e: unknown) => e);
    expect(isScpipeError(err, 'ERR_CONNECT')).toBe(true);
    expect((err as Error).message).toBe('ssh: connect to host h port 1: Connection refused');
    expect(await ch.exit).toEqual({ code: null, signal: null });
  });

  it('prefixes "ssh: " and escapes what ssh printed', async () => {
    const ssh = fakeSsh('denied', 'printf "u@h: Permission denied (publickey).\\033[2J\\n" >&2; exit 255');
    const err = await openSshChannel({ host: 'h', sshPath: ssh }, 'c').ready().catch((e: Error) => e);
    expect((err as Error).message).toBe('ssh: u@h: Permission denied (publickey).\\x1b[2J');
  });

  it("never hands scpipe's secrets to ssh (SCPIPE_PASSWORD, SCPIPE_SERVE_PASSWORD); the rest of the environment passes", async () => {
    const ssh = fakeSsh('env', 'printf "%s|%s|%s" "${SCPIPE_PASSWORD-unset}" "${SCPIPE_SERVE_PASSWORD-unset}" "${SCPIPE_TEST_KEPT-unset}" >&2; exit 1');
    const saved = { ...process.env };
    Object.assign(process.env, { SCPIPE_PASSWORD: 'secret1', SCPIPE_SERVE_PASSWORD: 'secret2', SCPIPE_TEST_KEPT: 'kept' });
    try {
      const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'c');
      let err = '';
      ch.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const ended = new Promise((resolve) => ch.stderr.once('end', resolve));
      await ch.exit;
      await ended;
      expect(err).toBe('unset|unset|kept');
    } finally {
      process.env = saved;
    }
  });

  it('ready() resolves at the first byte, which stays readable for the role', async () => {
    const ssh = fakeSsh('answers', 'printf "\\000"; cat >/dev/null; echo bye >&2; exit 0');
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    await ch.ready();
    const chunks: Buffer[] = [];
    ch.stdout.on('data', (d: Buffer) => chunks.push(d));
    let err = '';
    ch.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ended = new Promise((resolve) => ch.stderr.once('end', resolve));
    ch.stdin.end();
    expect(await ch.exit).toEqual({ code: 0, signal: null });
    await ended;
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([0]));
    expect(err).toBe('bye\n');
  });

  it('a remote that exits non-zero without a byte is the role\'s business: ready() resolves', async () => {
    const ssh = fakeSsh('rssh', 'echo "This account is restricted" >&2; exit 1');
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    await expect(ch.ready()).resolves.toBeUndefined();
    let err = '';
    ch.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((resolve) => ch.stderr.once('end', resolve));
    expect(await ch.exit).toEqual({ code: 1, signal: null });
    expect(err).toBe('This account is restricted\n'); // kept for the role although read early
  });

  it('keeps what ssh printed before it exited for a role that reads late; CRLF becomes LF on stderr', async () => {
    const ssh = fakeSsh('early', 'printf "\\001scp: nope\\n"; printf "line\\r\\nbare\\rcr\\r" >&2; exit 1');
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    await ch.ready();
    expect(await ch.exit).toEqual({ code: 1, signal: null });
    // Late: ssh's output has all been taken in (both pipes at their end) before the role reads.
    await waitFor(() => (ch.stdout as Duplex).writableFinished && (ch.stderr as Duplex).writableFinished, 'ssh\'s output to end');
    const read = async (s: NodeJS.ReadableStream): Promise<string> => {
      let text = '';
      for await (const chunk of s) text += (chunk as Buffer).toString('latin1');
      return text;
    };
    expect(await read(ch.stdout)).toBe('\x01scp: nope\n');
    expect(await read(ch.stderr)).toBe('line\nbare\rcr\r');
  });

  // ssh's message comes in two writes that cut "é" (c3 a9) in two: the script
  // waits for a byte on its stdin, sent once the first half has been read.
  const SPLIT = 'printf "ssh: Could not resolve hostname r\\303" >&2; head -c 1 >/dev/null; printf "\\251seau: Nom inconnu\\n" >&2';

  it("a UTF-8 character cut in two by ssh's writes is whole in the connect error", async () => {
    const ssh = fakeSsh('split-utf8', `${SPLIT}; exit 255`);
    const ch = openSshChannel({ host: 'h', sshPath: ssh, verbose: true }, 'scp -t x');
    let seen = 0;
    ch.stderr.on('data', (d: Buffer) => (seen += d.length));
    const err = ch.ready().catch((e: Error) => e);
    await waitFor(() => seen > 0, "ssh's first write");
    ch.stdin.write('x');
    expect((await err as Error).message).toBe('ssh: Could not resolve hostname réseau: Nom inconnu');
  });

  it("a UTF-8 character cut in two by ssh's writes is whole in an sftp refusal", async () => {
    // `head` takes the SFTP init (9 bytes) and the byte sent after the first half.
    const ssh = fakeSsh('split-utf8-sftp', SPLIT.replace('head -c 1', 'head -c 10') + '; exit 1');
    const ch = openSshChannel({ host: 'h', sshPath: ssh, verbose: true }, 'sftp', true);
    let seen = 0;
    ch.stderr.on('data', (d: Buffer) => (seen += d.length));
    const err = sftpOverChannel(ch, new AbortController().signal, 10_000).catch((e: Error) => e);
    await waitFor(() => seen > 0, "ssh's first write");
    ch.stdin.write('x');
    expect(await err).toMatchObject({ code: 'ERR_PROTOCOL_REFUSED', message: 'the server refused the sftp subsystem: ssh: Could not resolve hostname réseau: Nom inconnu' });
  });

  it('a 255 after data (connection dropped) reports no exit status', async () => {
    const ssh = fakeSsh('dropped', 'printf "\\000"; echo "Connection closed by remote host" >&2; exit 255');
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    await ch.ready();
    ch.stdout.resume();
    expect(await ch.exit).toEqual({ code: null, signal: null });
  });

  // The error says ssh's reason (whyLost): the role, which shows the remote's lines, does not see it too.
  it.each([
    [255, '', 'ssh: Connection to h closed by remote host.'],
    [1, 'Connection to h closed by remote host.\n', undefined],
  ])("ssh's line of a lost connection, exit %d: the role's stderr has %j, whyLost() %j", async (status, seen, why) => {
    const ssh = fakeSsh(`lost-${status}`, `printf "\\000"; printf "scp: a remote line\\r\\nConnection to h closed by remote host.\\r\\n" >&2; exit ${status}`);
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    await ch.ready();
    ch.stdout.resume();
    let err = '';
    ch.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ended = new Promise((resolve) => ch.stderr.once('end', resolve));
    await ch.exit;
    await ended;
    expect(err).toBe(`scp: a remote line\n${seen}`);
    expect(ch.whyLost()).toBe(why);
  });

  it('passes the argv through unchanged', async () => {
    const ssh = fakeSsh('argv', 'for a in "$@"; do printf "%s\\n" "$a"; done');
    const ch = openSshChannel({ host: 'h', port: 22, sshPath: ssh }, "scp -f 'a b'");
    const out: Buffer[] = [];
    ch.stdout.on('data', (d: Buffer) => out.push(d));
    await ch.exit;
    expect(Buffer.concat(out).toString().split('\n').slice(0, -1)).toEqual(sshArgs({ host: 'h', port: 22 }, "scp -f 'a b'"));
  });

  it('an abort while waiting rejects with the abort error', async () => {
    const ssh = fakeSsh('slow', 'exec sleep 30');
    const ch = openSshChannel({ host: 'h', sshPath: ssh }, 'scp -t x');
    const ac = new AbortController();
    const waiting = ch.ready(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    ch.destroy();
    expect(await ch.exit).toEqual({ code: null, signal: null }); // ended by us: no status of the remote's
  });

  it('no ssh program: ERR_CONNECT at once', () => {
    expect(() => openSshChannel({ host: 'h', sshPath: join(dir, 'missing') }, 'c')).toThrow(
      expect.objectContaining({ code: 'ERR_CONNECT', message: expect.stringContaining('cannot run') }),
    );
  });
});

describe('ChannelOpener with transport openssh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scpipe-fake-ssh-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A fake ssh that appends its argv (one line) to `log`, then runs `script`.
  // Asked `-V` (session-marker.ts), it is an OpenSSH without LogVerbose, so its argv stays the plain one.
  function fakeSsh(name: string, script: string): { ssh: string; calls: () => string[] } {
    const file = join(dir, name);
    const log = join(dir, `${name}.log`);
    writeFileSync(log, '');
    writeFileSync(file, `#!/bin/sh\n[ "$1" = -V ] && { echo 'OpenSSH_8.4p1' >&2; exit 0; }\necho "$*" >> '${log}'\n${script}\n`);
    chmodSync(file, 0o755);
    return { ssh: file, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }
  const signal = new AbortController().signal;

  it('put(): a refused connection rejects with ERR_CONNECT (exit status 255 in the CLI)', async () => {
    const { ssh } = fakeSsh('refused', 'echo "ssh: connect to host h port 22: Connection refused" >&2; exit 255');
    await expect(put({ host: 'h', transport: 'openssh', sshPath: ssh }, 'f', Buffer.from('x'))).rejects.toMatchObject({
      code: 'ERR_CONNECT',
      message: 'ssh: connect to host h port 22: Connection refused',
    });
  });

  // A refusal is final (not retried as a lost connection, reconnect.ts): told from ssh's last words.
  it('ssh refusing the login or the host key is ERR_AUTH / ERR_HOST_KEY_*, anything else ERR_CONNECT', () => {
    expect(refusalCode('u@h: Permission denied (publickey,password).', 'u@h: Permission denied (publickey,password).')).toBe('ERR_AUTH');
    expect(refusalCode('Received disconnect from 1.2.3.4 port 22:2: Too many authentication failures', 'Received disconnect from 1.2.3.4 port 22:2: Too many authentication failures')).toBe('ERR_AUTH');
    expect(refusalCode('@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nHost key for h has changed and you have requested strict checking.\nHost key verification failed.', 'Host key verification failed.')).toBe('ERR_HOST_KEY_CHANGED');
    expect(refusalCode('No ED25519 host key is known for h and you have requested strict checking.\nHost key verification failed.', 'Host key verification failed.')).toBe('ERR_HOST_KEY_UNKNOWN');
    expect(refusalCode('ssh: connect to host h port 22: Connection refused', 'ssh: connect to host h port 22: Connection refused')).toBe('ERR_CONNECT');
    expect(refusalCode('', undefined)).toBe('ERR_CONNECT');
  });

  it('after a refused connection, later commands fail at once without running ssh again', async () => {
    const { ssh, calls } = fakeSsh('refused-once', 'echo "u@h: Permission denied (publickey)." >&2; exit 255');
    const opener = new ChannelOpener({ host: 'h', transport: 'openssh', sshPath: ssh });
    await expect(opener.open("scp -t 'a'", signal, 'sink')).rejects.toMatchObject({ code: 'ERR_AUTH' });
    await expect(opener.open("scp -t 'b'", signal, 'sink')).rejects.toMatchObject({ code: 'ERR_AUTH' });
    expect(calls()).toHaveLength(1);
    opener.close();
  });

  it('a remote `scp -f` waits for us: open() does not wait for a first byte', async () => {
    const { ssh } = fakeSsh('silent', 'exec sleep 30');
    const opener = new ChannelOpener({ host: 'h', transport: 'openssh', sshPath: ssh });
    const started = Date.now();
    const channel = await opener.open("scp -f 'x'", signal, 'source');
    expect(Date.now() - started).toBeLessThan(5000); // waiting for a first byte would take the 30 s of the sleep
    opener.close(); // stops the ssh still running
    expect(await channel.exit).toEqual({ code: null, signal: null }); // ended by us: no status of the remote's
  });

  it('passes the connect options; BatchMode only when no one can be asked; -v with a log', async () => {
    const { ssh, calls } = fakeSsh('args', 'printf "\\000"; cat >/dev/null');
    const target = { host: 'h', user: 'u', port: 2222, identityFiles: ['k'], configFile: 'cfg', options: ['ProxyJump=j'], transport: 'openssh' as const, sshPath: ssh };
    for (const t of [target, { ...target, prompt: async () => null }, { ...target, log: () => undefined }]) {
      const opener = new ChannelOpener(t);
      const ch = await opener.open("scp -t 'x'", signal, 'sink');
      ch.stdin.end();
      await ch.exit;
      opener.close();
    }
    const base = '-x -oPermitLocalCommand=no -oClearAllForwardings=yes -oRemoteCommand=none -oRequestTTY=no -oForwardAgent=no -o ProxyJump=j -p 2222 -l u -F cfg -i k';
    expect(calls()).toEqual([
      `${base} -oBatchMode=yes -oLogLevel=ERROR -- h scp -t 'x'`,
      `${base} -oLogLevel=ERROR -- h scp -t 'x'`,
      `${base} -oBatchMode=yes -v -- h scp -t 'x'`,
    ]);
  });
});
