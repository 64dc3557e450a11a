// scp's options through the CLI, each with its effect checked against the
// test sshd: -c, -C, -4/-6, -B, -l, -J (a second sshd as the jump host), -S,
// -T, -s/-O, the refused -3/-R, ssh_config keywords with -o, and --version.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, remote, runCli, runOnTerminal, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const jump = sshdPerSuite({ jumpHost: true });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'scpopts');
});

const put = (flags: string[], name: string, stdin: string | Buffer = 'data', timeoutMs?: number) =>
  runCli(['put', ...sshFlags(sshd, sshd.rssh), ...flags, remote(sshd, sshd.rssh, `${dir}/${name}`)], { stdin, timeoutMs });

// A config for -J: the jump host's alias, key and known_hosts (hops read -F, not -o).
async function jumpConfig(jumpKnownHosts = jump.knownHostsPath): Promise<string> {
  const cfg = join(dir, 'ssh_config');
  await writeFile(cfg, [
    'Host jumphost', '  HostName 127.0.0.1', `  Port ${jump.port}`, `  User ${jump.user.name}`, `  IdentityFile ${jump.user.keyPath}`,
    `  UserKnownHostsFile ${jumpKnownHosts}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  BatchMode yes', '',
  ].join('\n'));
  return cfg;
}

describe('scp options through the CLI', () => {
  it('-c: the cipher asked for is agreed (-v shows it); one ssh2 lacks is refused', async () => {
    const r = await put(['-v', '-c', 'aes128-ctr'], 'c');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/scpipe: kex .*, cipher aes128-ctr, /);
    expect(r.stderr).toMatch(/^scpipe: scpipe \S+ \(ssh2 \d+\.\d+\.\d+, node v/m); // -v: the versions, once
    expect(r.stderr.match(/\(ssh2 /g)).toHaveLength(1);
    expect(r.stderr.match(/scpipe: kex /g)).toHaveLength(1); // the agreed algorithms, once
    expect((await put(['-c', 'no-such-cipher'], 'c2')).status).toBe(255);
    // The command line an scp user copies in (the AEAD cipher: no separate MAC).
    const gcm = await put(['-v', '-c', 'aes128-gcm@openssh.com'], 'gcm');
    expect(gcm.status).toBe(0);
    expect(gcm.stderr).toMatch(/scpipe: kex .*, cipher aes128-gcm@openssh\.com, /);
  });

  it('-C: zlib compression is agreed', async () => {
    const r = await put(['-v', '-C'], 'z', Buffer.alloc(100_000));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/compression zlib@openssh\.com/);
  });

  // scp hands its own -P and user@ to ssh as -p and -l after the user's -o
  // options, and ssh keeps the first value: -o Port and -o User win.
  it('-o Port beats -P, and -o User beats user@, as with scp', async () => {
    const base = ['-i', sshd.rssh.keyPath, '-F', 'none', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'BatchMode=yes'];
    const r = await runCli(['put', ...base, '-P', '1', '-o', `Port=${sshd.port}`, '-o', `User=${sshd.rssh.name}`, `nobody@127.0.0.1:${dir}/o-wins`], { stdin: 'o' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'o-wins'), 'utf8')).toBe('o');
  });

  // scp's do_cmd() falls back on -P only when the target names no port.
  it('the port of an scp:// URI beats -P, and -o Port beats both, as with scp', async () => {
    const base = ['-i', sshd.rssh.keyPath, '-F', 'none', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'BatchMode=yes'];
    const uri = `scp://${sshd.rssh.name}@127.0.0.1:${sshd.port}/${dir}/uri`;
    expect(await runCli(['put', ...base, '-P', '1', uri], { stdin: 'u' })).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'uri'), 'utf8')).toBe('u');
    const refused = await runCli(['put', ...base, '-o', 'Port=1', uri], { stdin: 'x' });
    expect(refused).toMatchObject({ status: 255, stderr: 'scpipe: connect to host 127.0.0.1 port 1: Connection refused\n' });
  });

  it('-4 / -6: the address family, against the ::1 listener', async () => {
    const kh = join(dir, 'kh6');
    await writeFile(kh, (await readFile(sshd.knownHostsPath, 'utf8')).replace('[127.0.0.1]', '[::1]'));
    const v6 = (flag: string, name: string) => runCli(
      ['put', flag, '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-F', 'none', '-o', `UserKnownHostsFile=${kh}`, '-o', 'BatchMode=yes', `${sshd.rssh.name}@[::1]:${dir}/${name}`],
      { stdin: 'six' },
    );
    expect((await v6('-6', 'six')).status).toBe(0);
    expect(await readFile(join(dir, 'six'), 'utf8')).toBe('six');
    const refused = await v6('-4', 'four');
    expect(refused.status).toBe(255);
    expect(refused.stderr).toMatch(/::1 is not an IPv4 address/);
    expect((await put(['-4'], 'four-ok')).status).toBe(0);
    expect((await runCli(['put', '-4', '-6', 'h:f'])).status).toBe(2);
  });

  it('-B: never asks for a password or about a host key, even on a terminal', async () => {
    // scpipe-user may log in with a password; without a key, scpipe would ask for one on the terminal.
    const args = ['put', '-B', '-P', String(sshd.port), '-F', 'none', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'IdentityAgent=none', `${sshd.user.name}@127.0.0.1:/tmp/never`];
    const r = await runOnTerminal(`echo x | ${shellQuote([process.execPath, CLI, ...args])}`, { timeoutMs: 30_000 });
    expect(r.status).toBe(255);
    expect(r.out).not.toMatch(/password: /i); // no prompt (the refusal may name the method)
    expect(r.out).toMatch(/Permission denied/);
    // Nor about a host key it does not know (StrictHostKeyChecking left at ask): refused at once.
    const unknown = ['put', '-B', '-P', String(sshd.port), '-F', 'none', '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${join(dir, 'empty_kh')}`, `${sshd.rssh.name}@127.0.0.1:${dir}/never`];
    const k = await runOnTerminal(`echo x | ${shellQuote([process.execPath, CLI, ...unknown])}`, { timeoutMs: 30_000 });
    expect(k.status).toBe(255);
    expect(k.out).not.toMatch(/continue connecting/);
    expect(k.out).toMatch(/is not known and you have requested strict checking/);
  });

  // What a limit promises is a floor on the time (never faster): an upper
  // bound would time the machine, which a loaded one breaks.
  it('-l 8000: 10 MB take at least 9 s (1 MB/s)', async () => {
    // --size: streamed as it comes. The send is timed by -v ("sent in X s"): the
    // process's start-up on a loaded 2-core machine is no part of the limit.
    const r = await put(['-l', '8000', '--size', '10000000', '-v'], 'limited', Buffer.alloc(10_000_000), 60_000);
    expect(r.status).toBe(0);
    const sent = Number(/sent in (\d+\.\d+) s/.exec(r.stderr)?.[1]);
    expect(sent).toBeGreaterThanOrEqual(9);
    expect(r.ms / 1000).toBeGreaterThanOrEqual(9);
    expect((await put(['-l', 'fast'], 'bad')).status).toBe(2);
  });

  it('-l 8000 through four parallel parts: one smooth limit for the run, 10 MB in at least 9 s', async () => {
    // Sampled while it runs: the parts written so far, across all four
    // channels, grow at about 1 MB/s in every second-long window (one shared
    // bucket, no bursts); four separate limits would take 2.5 s in all.
    const run = startCli(['put', ...sshFlags(sshd, sshd.rssh), '-v', '-l', '8000', '--part-size', '2500000', '--parallel', '4', remote(sshd, sshd.rssh, `${dir}/parts`)],
      { stdin: Buffer.alloc(10_000_000), timeoutMs: 60_000 });
    const written = async () => {
      let sum = 0;
      for (const name of await readdir(dir)) if (/^parts\.\d+$/.test(name)) sum += await stat(join(dir, name)).then((st) => st.size, () => 0);
      return sum;
    };
    const samples: [ms: number, bytes: number][] = [];
    let exited = false;
    void run.done.then(() => (exited = true));
    while (!exited) {
      samples.push([performance.now(), await written()]);
      await new Promise((r) => setTimeout(r, 250));
    }
    samples.push([performance.now(), await written()]);
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/over 4 channel\(s\)/);
    expect(r.stderr).toMatch(/sent 10000000 bytes as 4 part\(s\)/);
    // From the first byte on the server to the last (start-up and login on a loaded machine are no part of the limit).
    const first = samples.find(([, b]) => b > 0)![0];
    const last = samples.find(([, b]) => b >= 10_000_000)![0];
    expect((last - first) / 1000).toBeGreaterThanOrEqual(9 - 0.5); // the samples are 0.25 s apart
    // Every window of at least a second between 1 MB and 9 MB written: under 1.5 MB/s
    // (no burst: four limits of their own would be 4 MB/s; a floor would time the machine).
    const flowing = samples.filter(([, b]) => b > 1_000_000 && b < 9_000_000);
    expect(flowing.length).toBeGreaterThan(10);
    for (let i = 0, j = 0; i < flowing.length; i++) {
      while (j < flowing.length && flowing[j]![0] - flowing[i]![0] < 1000) j++;
      if (j === flowing.length) break;
      const rate = (flowing[j]![1] - flowing[i]![1]) / ((flowing[j]![0] - flowing[i]![0]) / 1000);
      expect(rate).toBeLessThan(1_500_000);
    }
  });

  it('-J: through a second sshd as the jump host; a wrong jump host key is refused', async () => {
    const ok = await put(['-F', await jumpConfig(), '-J', 'jumphost', '-v'], 'jumped', 'via jump');
    expect(ok.status).toBe(0);
    expect(await readFile(join(dir, 'jumped'), 'utf8')).toBe('via jump');
    expect(ok.stderr).toContain(`Host '[127.0.0.1]:${jump.port}' is known and matches`);
    expect(ok.stderr).toContain(`Host '[127.0.0.1]:${sshd.port}' is known and matches`);
    expect(ok.stderr.match(/\(ssh2 /g)).toHaveLength(1); // the versions once; the algorithms once a connection
    expect(ok.stderr.match(/scpipe: kex /g)).toHaveLength(2);
    // Two hops (the jump host reached through itself), each hop's key checked.
    const two = await put(['-F', await jumpConfig(), '-J', 'jumphost,jumphost', '-v'], 'jumped2', 'two hops');
    expect(two.status).toBe(0);
    expect(await readFile(join(dir, 'jumped2'), 'utf8')).toBe('two hops');
    expect(two.stderr.split(`Host '[127.0.0.1]:${jump.port}' is known and matches`)).toHaveLength(3);
    // The user@host:port form, as scp users write it (the hop's key and known_hosts from the config).
    const byAddress = join(dir, 'ssh_config_addr');
    await writeFile(byAddress, ['Host 127.0.0.1', `  IdentityFile ${jump.user.keyPath}`, `  UserKnownHostsFile ${jump.knownHostsPath}`, '  BatchMode yes', ''].join('\n'));
    const spelled = await put(['-F', byAddress, '-J', `${jump.user.name}@127.0.0.1:${jump.port}`], 'spelled', 'user@host:port');
    expect(spelled.status).toBe(0);
    expect(await readFile(join(dir, 'spelled'), 'utf8')).toBe('user@host:port');
    const wrong = join(dir, 'wrong_kh');
    await writeFile(wrong, (await readFile(jump.knownHostsPath, 'utf8')).replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'));
    const refused = await put(['-F', await jumpConfig(wrong), '-J', 'jumphost'], 'never');
    expect(refused.status).toBe(255);
    expect(refused.stderr).toMatch(new RegExp(`REMOTE HOST IDENTIFICATION HAS CHANGED for \\[127\\.0\\.0\\.1\\]:${jump.port}`));
  });

  it('-S: the ssh program, with the openssh transport', async () => {
    const r = await put(['-S', '/usr/bin/ssh'], 's', 'through ssh');
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 's'), 'utf8')).toBe('through ssh');
    const missing = await put(['-S', '/nonexistent/ssh'], 's2');
    expect(missing.status).toBe(255);
    expect(missing.stderr).toMatch(/cannot run \/nonexistent\/ssh/);
  });

  // --quote none: the remote shell globs, and a name the glob matches is
  // taken (as OpenSSH's scp checks it); a name the shell made otherwise
  // needs -T. Under auto, --quote none means SCP (SFTP has no shell).
  it('--quote none takes what the remote glob matched; -T also a name the remote shell made', async () => {
    const account = sshd.user;
    const udir = await userDir(account, 'glob');
    await writeFile(join(udir, 'file-1'), 'globbed');
    const get = (extra: string[], path: string) => runCli(['get', ...sshFlags(sshd, account), '--quote', 'none', ...extra, remote(sshd, account, `${udir}/${path}`)]);
    const globbed = await get(['-v'], 'file-*');
    expect(globbed).toMatchObject({ status: 0, stdout: Buffer.from('globbed') });
    expect(globbed.stderr).toContain('protocol: scp');
    const made = await get([], '$(echo file-1)');
    expect(made.status).toBe(1);
    expect(made.stderr).toMatch(/refusing "file-1" from the remote: it does not match the request/);
    const loose = await get(['-T'], '$(echo file-1)');
    expect(loose).toMatchObject({ status: 0, stdout: Buffer.from('globbed') });
    expect((await get(['-s'], 'file-*'))).toMatchObject({ status: 2, stderr: expect.stringContaining('--quote none is for the remote shell of SCP; SFTP paths are literal') });
  });

  it('-s / -O: SFTP or SCP, as scp spells them (--json tells which ran)', async () => {
    const userDirPath = await userDir(sshd.user, 'proto');
    const run = (flag: string, name: string) => runCli(['put', '--json', flag, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${userDirPath}/${name}`)], { stdin: name });
    const sftp = await run('-s', 'by-sftp');
    expect(sftp.status).toBe(0);
    expect(JSON.parse(sftp.stdout.toString())).toMatchObject({ ok: true, protocol: 'sftp' });
    const scp = await run('-O', 'by-scp');
    expect(scp.status).toBe(0);
    expect(JSON.parse(scp.stdout.toString())).toMatchObject({ ok: true, protocol: 'scp' });
    expect(await readFile(join(userDirPath, 'by-sftp'), 'utf8')).toBe('by-sftp');
    expect((await runCli(['put', '-s', '-O', 'h:f'])).status).toBe(2);
  });

  it.each(['-3', '-R'])('%s is refused, saying why', async (flag) => {
    const r = await runCli(['cp', flag, 'a:x', 'b:y']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/copying between two remote hosts is not supported/);
  });

  it('-o: a keyword with no effect is noted by -v, a refused one names --transport openssh, a misspelt one is an error', async () => {
    const noted = await put(['-v', '-o', 'ForwardAgent=yes'], 'noted');
    expect(noted.status).toBe(0);
    expect(noted.stderr).toContain('ForwardAgent yes: no effect on a transfer');
    const refused = await put(['-o', 'KnownHostsCommand=/bin/true %H'], 'refused');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/KnownHostsCommand .*: not available in the built-in ssh2 transport .*; use --transport openssh/);
    const misspelt = await put(['-o', 'LogLevl=ERROR'], 'misspelt');
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr).toMatch(/Bad configuration option: "LogLevl"/);
    expect((await put(['-o', 'LogLevel=ERROR'], 'loglevel')).status).toBe(0);
  });

  it('--version names scpipe, ssh2 and node', async () => {
    const r = await runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^scpipe \d+\.\d+\.\d+ \(ssh2 \d+\.\d+\.\d+, node v\d+/);
  });
});
