// `--transport openssh` when the serving sshd is killed mid-transfer: ssh
// prints its reason ("client_loop: send disconnect: Broken pipe", "Connection
// to HOST closed by remote host.") on its stderr, and scpipe's error quotes
// it. The user sees it once, in scpipe's line, not also bare above it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { dropConnections } from '../helpers/drop-connections';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { knownHostsFor } from '../helpers/latency-proxy';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'openssh-loss-once');
const MiB = 1024 * 1024;
// ssh's words for the cut, by whether it was writing or reading then.
const REASON = String.raw`ssh: (client_loop: send disconnect: (Broken pipe|Connection reset by peer)|Connection to 127\.0\.0\.1 closed by remote host\.)`;

const bytesIn = async (dir: string): Promise<boolean> => {
  const names = await readdir(dir);
  return names.length > 0 && (await stat(join(dir, names[0]!))).size > 0;
};

describe.each([
  ['SCP (--size)', ['-O', '--size', String(8 * MiB)], /^f$/],
  ['SFTP', ['-s'], /^\.f\.scpipe-\w{6}$/],
])('--transport openssh: sshd killed mid-put over %s', (_protocol, extra, left) => {
  it("exit 1, one line on stderr with ssh's reason; the cut file left remotely", async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const input = new PassThrough();
    const args = ['put', '--transport', 'openssh', ...sshFlags(sshd, sshd.rssh), '--retries', '0', ...extra, sides.at(`${sides.rdir}/f`)];
    const run = startCli(args, { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(randomBytes(3 * MiB));
      await waitFor(() => bytesIn(sides.rdir), 'bytes in the remote file', 30_000);
      await dropConnections(sshd);
      input.end(randomBytes(5 * MiB));
      const r = await run.done;
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(String.raw`^scpipe: [^\n]*: ${REASON}; [^\n]*\n$`));
      expect(await readdir(sides.rdir)).toEqual([expect.stringMatching(left)]);
    } finally {
      input.destroy();
      await sshd.setRsshAllowed(['scp']);
    }
  });
});

describe.each([['SCP', '-O'], ['SFTP', '-s']])('--transport openssh: sshd killed mid-get over %s', (_protocol, flag) => {
  it("exit 1, one line on stderr with ssh's reason", async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    await writeFile(join(sides.rdir, 'g.bin'), randomBytes(32 * MiB)); // more than the socket buffers hold: the kill cuts it
    const proxy = await startThrottleProxy(sshd.port, 1_500_000);
    try {
      const knownHosts = knownHostsFor(sshd, proxy.port, join(sides.local, 'known_hosts'));
      const args = ['get', '--transport', 'openssh', '--retries', '0', flag, ...sshFlags({ ...sshd, port: proxy.port, knownHostsPath: knownHosts }, sshd.rssh), remote(sshd, sshd.rssh, `${sides.rdir}/g.bin`)];
      const run = startCli(args, { timeoutMs: 60_000 });
      let out = 0;
      run.child.stdout!.on('data', (d: Buffer) => (out += d.length));
      await waitFor(() => out >= 512 * 1024, 'bytes on stdout', 30_000);
      await dropConnections(sshd);
      const r = await run.done;
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(String.raw`^scpipe: [^\n]*: ${REASON}\n$`));
    } finally {
      await proxy.close();
      await sshd.setRsshAllowed(['scp']);
    }
  });
});

// Under the user's ControlMaster each part's ssh is a client of one master:
// killing the master's connection ends them all, and a write into one that
// had exited surfaced raw ("connection failed: Error: write EPIPE").
describe('--transport openssh under ControlMaster auto: the connection killed mid-put of a parts set', () => {
  it('each cut part says a lost connection and is retried: exit 0, the whole set', async () => {
    const controlPath = join(sides.local, 'cm-%C');
    const mux = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath}`, '-o', 'ControlPersist=yes'];
    const input = new PassThrough();
    const run = startCli(['put', '--transport', 'openssh', ...sshFlags(sshd, sshd.rssh, mux), '-O', '--part-size', '1M', sides.at(`${sides.rdir}/f`)], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(randomBytes(5 * MiB));
      await waitFor(() => bytesIn(sides.rdir), 'bytes in the first part', 30_000);
      await dropConnections(sshd);
      await waitFor(() => run.stderr().includes('retry 1 of 5'), 'the retry line', 30_000);
      input.end(randomBytes(MiB));
      const r = await run.done;
      expect(r.status).toBe(0);
      // ssh's own word when two retries' ssh race to be the new master is fine; scpipe's lines each say a loss,
      // or, for a part whose ssh was still starting as the master died (ssh exits 255 without a word then),
      // that it could not connect. Either way retried, never a raw EPIPE.
      const lines = r.stderr.trimEnd().split('\n').filter((l) => !/^ControlSocket \S+ already exists, disabling multiplexing$/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      const cut = String.raw`(connection lost\b[^\n]*|ssh: could not connect to 127\.0\.0\.1 \(exit status 255\))`;
      for (const line of lines) expect(line).toMatch(new RegExp(String.raw`^scpipe: f\.\d{6}: ${cut}; retry 1 of 5 in 1 s$`));
      expect(lines.some((l) => l.includes('connection lost'))).toBe(true);
      expect((await readdir(sides.rdir)).sort()).toEqual(['f.000000', 'f.000001', 'f.000002', 'f.000003', 'f.000004', 'f.000005', 'f.sha256']);
    } finally {
      input.destroy();
      // The master a retry started (ControlPersist) outlives the run: ended as a user would.
      spawnSync('ssh', ['-F', 'none', '-o', `ControlPath=${controlPath}`, '-p', String(sshd.port), '-l', sshd.rssh.name, '-O', 'exit', '127.0.0.1']);
    }
  });
});
