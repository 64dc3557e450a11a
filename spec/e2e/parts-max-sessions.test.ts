// Parts against an sshd that allows fewer channels per connection
// (MaxSessions 2) than --parallel asks for: the refused channels go over
// further connections where the server takes them, or the run goes on with
// fewer channels; either way the run never fails for it.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite({ maxSessions: 2 });
const spoolDir = tempDirPerTest('scpipe-test-spool-', { mustEndEmpty: true });
const MiB = 1024 * 1024;

describe('parts with MaxSessions 2 and --parallel 4', () => {
  // User sees: exit 0; with -v a line per refused channel: "the server
  // refused to run the command: ...: opened connection N for further channels". Left remotely: the complete set (8 parts and the manifest),
  // locally: nothing (the spool directory is empty).
  it('put and get of a set complete, byte-exact', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'maxsessions');
    const data = randomBytes(8 * MiB - 5);
    const target = remote(sshd, sshd.rssh, `${dir}/m.bin`);
    const put = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-v', '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '4', target], { stdin: data, timeoutMs: 120_000 });
    expect(put.status).toBe(0);
    expect(put.stderr).toMatch(/scpipe: the server refused to run the command: .*: opened connection 2 for further channels\n/);
    expect(readdirSync(dir).sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `m.bin.00000${i}`), 'm.bin.sha256']);
    execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'm.bin.sha256'], { cwd: dir });
    const got = await runCli(['get', ...sshFlags(sshd, sshd.rssh), '-v', '--parallel', '4', target], { timeoutMs: 120_000 });
    expect(got.status).toBe(0);
    expect(got.stdout.equals(data)).toBe(true);
  }, 180_000);

  // Only one connection can be made (a ProxyCommand that lets the first
  // through and refuses the rest, as a per-user connection limit would).
  // User sees: exit 0; with -v "a further connection failed too"; the
  // refused channels are asked for again as others close (or, after a few
  // seconds, the run goes on with fewer). Left remotely: the complete set;
  // locally: nothing.
  it('where no further connection can be made: fewer channels, and the run completes', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'oneconn');
    const data = randomBytes(8 * MiB - 5);
    const lock = join(dir, 'proxy-lock');
    const proxy = join(dir, 'proxy.sh');
    const pipe = `const s=require('net').connect(${sshd.port},'127.0.0.1');process.stdin.pipe(s);s.pipe(process.stdout);s.on('close',()=>process.exit(0))`;
    await writeFile(proxy, `#!/bin/sh\nmkdir '${lock}' 2>/dev/null || { echo 'one connection only' >&2; exit 1; }\nexec '${process.execPath}' -e "${pipe}"\n`, { mode: 0o755 });
    const flags = (): string[] => [...sshFlags(sshd, sshd.rssh), '-o', `ProxyCommand=${proxy}`];
    const target = remote(sshd, sshd.rssh, `${dir}/o.bin`);
    const put = await runCli(['put', ...flags(), '-v', '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '4', target], { stdin: data, timeoutMs: 120_000 });
    expect(put.status).toBe(0);
    expect(put.stderr).toMatch(/; a further connection failed too \(.*\)\n/);
    expect(readdirSync(dir).filter((f) => f.startsWith('o.bin')).sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `o.bin.00000${i}`), 'o.bin.sha256']);
    execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'o.bin.sha256'], { cwd: dir });
    const { rmdirSync } = await import('node:fs');
    rmdirSync(lock);
    const got = await runCli(['get', ...flags(), '-v', '--parallel', '4', target], { timeoutMs: 120_000 });
    expect(got.status).toBe(0);
    expect(got.stdout.equals(data)).toBe(true);
  }, 180_000);
});
