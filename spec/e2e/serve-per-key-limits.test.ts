// `scpipe serve`'s limits per key: one client's key at its cap is refused,
// with the limit named to it and in the log, while another key's backups go on.
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { REFUSED_LINGER_MS } from '../../lib/server/key-connections';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { emptyRootAndRecords, servePerSuite, sftpBatch, ssh2Client, type TestServe } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const localDir = tempDirPerTest('scpipe-test-per-key-');
let local: string;
beforeEach(() => {
  local = localDir();
});

const at = (path: string): string => `backup@127.0.0.1:${path}`;

// A second key, authorized on `serve`: its private key's path and its fingerprint.
async function secondKey(serve: TestServe): Promise<{ key: string; fingerprint: string }> {
  const key = join(local, 'key_b');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', key]);
  await appendFile(join(serve.dir, 'authorized_keys'), await readFile(`${key}.pub`));
  return { key, fingerprint: execFileSync('ssh-keygen', ['-lf', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1]! };
}

const withKey = (args: string[], from: string, to: string): string[] => args.map((a) => (a === from ? to : a));

describe('serve --append-only --max-uploads-per-key', () => {
  const serve = servePerSuite(['--append-only', '--max-uploads-per-key', '3']);
  afterEach(() => emptyRootAndRecords(serve));

  it('refuses key A a new upload past its cap, with stock sftp and scpipe, while key B uploads', async () => {
    const b = await secondKey(serve);
    const fingerprintA = execFileSync('ssh-keygen', ['-lf', `${serve.keyPath}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    await writeFile(join(local, 'part'), 'part');
    // Key A leaves three uploads in progress, never stored: its cap.
    const temps = ['AbCdE1', 'AbCdE2', 'AbCdE3'].map((x) => `/.db.dump.scpipe-${x}`);
    expect(await sftpBatch(serve, temps.map((t) => `put ${join(local, 'part')} ${t}`))).toMatchObject({ status: 0 });
    // A fourth: stock sftp prints the status, scpipe the reason; nothing is made.
    const sftp = await sftpBatch(serve, [`put ${join(local, 'part')} /.db.dump.scpipe-AbCdE4`]);
    expect(sftp.status).toBe(1);
    expect(sftp.stderr).toMatch(/^dest open "\/\.db\.dump\.scpipe-AbCdE4": Permission denied\s*$/);
    const put = await runCli(['put', ...serve.scpipeArgs(), '-q', at('/a.dump')], { stdin: 'from A' });
    expect(put.status).toBe(1);
    const why = `3 uploads in progress of this login (key ${fingerprintA}) are on record already, the most one login may have (--max-uploads-per-key): store or remove some first`;
    expect(put.stderr).toContain(`append-only server: ${why}`);
    expect(serve.log()).toContain(`sftp open refused: /.db.dump.scpipe-AbCdE4: append-only server: ${why}`);
    expect((await readdir(serve.root)).sort()).toEqual(temps.map((t) => t.slice(1)));
    // Key B: scpipe's put and stock sftp go on.
    const putB = await runCli(['put', ...withKey(serve.scpipeArgs(), serve.keyPath, b.key), '-q', at('/b.dump')], { stdin: 'from B' });
    expect(putB).toMatchObject({ status: 0, stderr: '' });
    const sftpB = await runProgram('sftp', ['-q', ...withKey(serve.sshArgs(), serve.keyPath, b.key), '-b', '-', '127.0.0.1'], `put ${join(local, 'part')} /.b.scpipe-AbCdE1\nrename /.b.scpipe-AbCdE1 /b.part\n`);
    expect(sftpB.status).toBe(0);
    expect(await readFile(join(serve.root, 'b.dump'), 'utf8')).toBe('from B');
    expect(await readFile(join(serve.root, 'b.part'), 'utf8')).toBe('part');
    // Key A stores one of its own: room again for one more.
    expect(await sftpBatch(serve, [`rename ${temps[0]} /a.part`, `put ${join(local, 'part')} /.db.dump.scpipe-AbCdE4`])).toMatchObject({ status: 0 });
  });
});

describe('serve --max-connections-per-key', () => {
  const serve = servePerSuite(['--max-connections-per-key', '2']);

  it('refuses key A a connection past its cap, with a message to stock sftp, scp and scpipe, while key B uploads', async () => {
    const b = await secondKey(serve);
    const fingerprintA = execFileSync('ssh-keygen', ['-lf', `${serve.keyPath}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    await writeFile(join(local, 'file'), 'data');
    // Key A holds two connections, logged in and idle.
    const held = [await ssh2Client(serve), await ssh2Client(serve)];
    try {
      const why = 'scpipe serve: 2 connections of this key are logged in already, the most one key may have: try again once one has ended';
      const sftp = await sftpBatch(serve, [`put ${join(local, 'file')} /a.sftp`]);
      expect([sftp.status, sftp.stderr]).toEqual([255, `${why}\nConnection closed\r\n`]);
      const scp = await runProgram('scp', ['-q', ...serve.sshArgs(), join(local, 'file'), '127.0.0.1:/a.scp']);
      expect([scp.status, scp.stderr]).toEqual([255, `${why}\nscp: Connection closed\r\n`]);
      const scpO = await runProgram('scp', ['-q', '-O', ...serve.sshArgs(), join(local, 'file'), '127.0.0.1:/a.scp']);
      expect([scpO.status, scpO.stderr]).toEqual([1, `${why}\nlost connection\n`]);
      const put = await runCli(['put', ...serve.scpipeArgs(), '-q', at('/a.put')], { stdin: 'from A' });
      expect(put.status).toBe(1);
      expect(put.stderr).toContain(`scpipe: remote command exited with status 1 before the transfer started: ${why}\n`);
      expect(serve.log()).toMatch(new RegExp(`backup@127\\.0\\.0\\.1:\\d+ key ${fingerprintA.replace(/[+/]/g, '\\$&')} refused: 2 connections of this key logged in already \\(--max-connections-per-key\\)\n`));
      expect(await readdir(serve.root)).toEqual([]);
      // Key B: its uploads go on.
      const putB = await runCli(['put', ...withKey(serve.scpipeArgs(), serve.keyPath, b.key), '-q', at('/b.put')], { stdin: 'from B' });
      expect(putB).toMatchObject({ status: 0, stderr: '' });
      const scpB = await runProgram('scp', ['-q', ...withKey(serve.sshArgs(), serve.keyPath, b.key), join(local, 'file'), '127.0.0.1:/b.scp']);
      expect(scpB.status).toBe(0);
      expect((await readdir(serve.root)).sort()).toEqual(['b.put', 'b.scp']);
      // A refused connection is told once, and closed soon whatever it asks: it holds no descriptor.
      const idle = await ssh2Client(serve);
      const since = performance.now();
      const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
      const exec = (): Promise<string> => new Promise((resolve) => idle.exec('scp -t /x', (err, ch) => {
        if (err) return resolve(err.message);
        let text = '';
        ch.stderr.on('data', (d: Buffer) => (text += d.toString()));
        ch.on('close', () => resolve(text)).resume();
      }));
      expect(await exec()).toBe(`${why}\n`);
      expect(await exec()).toMatch(/open failure/i);
      await closed;
      expect(performance.now() - since).toBeLessThan(REFUSED_LINGER_MS + 2_000);
      // One of A's ends: A gets in again.
      held.pop()!.end();
      await waitFor(async () => (await sftpBatch(serve, [`put ${join(local, 'file')} /a.sftp`])).status === 0, 'key A let in again');
      expect(await readFile(join(serve.root, 'a.sftp'), 'utf8')).toBe('data');
    } finally {
      for (const c of held) c.end();
    }
  });
});

describe('serve --max-connections-per-key, logins without a key', () => {
  // A password every client shares tells no client from another: counted per address instead.
  const serve = servePerSuite(['--max-connections-per-key', '2', '--user', 'backup', '--auth-failure-delay', '0.01'], { SCPIPE_SERVE_PASSWORD: 'correct horse' });
  const byPassword = (localAddress: string): Promise<Client> =>
    new Promise((resolve, reject) => {
      const client = new Client();
      client.on('ready', () => resolve(client)).on('error', reject);
      client.connect({ host: '127.0.0.1', port: serve.port, localAddress, username: 'backup', password: 'correct horse', hostVerifier: () => true });
    });

  it('refuses a password login past the cap from one address, with the address named, while another address uploads', async () => {
    const held = [await byPassword('127.0.0.1'), await byPassword('127.0.0.1')];
    try {
      const args = ['-F', 'none', '-P', String(serve.port), '-o', `UserKnownHostsFile=${serve.knownHostsPath}`, '-o', 'BatchMode=yes', '-q'];
      const put = await runCli(['put', ...args, at('/a.put')], { stdin: 'from .1', env: { SCPIPE_PASSWORD: 'correct horse' } });
      expect(put.status).toBe(1);
      expect(put.stderr).toContain('scpipe serve: 2 connections without a key from this address are logged in already, the most one address may have: try again once one has ended\n');
      expect(serve.log()).toMatch(/backup@127\.0\.0\.1:\d+ user backup refused: 2 connections without a key from this address logged in already \(--max-connections-per-key\)\n/);
      expect(await readdir(serve.root)).toEqual([]);
      // Another address is another client: let in.
      const other = await byPassword('127.0.0.2');
      other.end();
      // One of 127.0.0.1's ends: it gets in again.
      held.pop()!.end();
      await waitFor(async () => (await runCli(['put', ...args, at('/a.put')], { stdin: 'from .1', env: { SCPIPE_PASSWORD: 'correct horse' } })).status === 0, '127.0.0.1 let in again');
      expect(await readFile(join(serve.root, 'a.put'), 'utf8')).toBe('from .1');
    } finally {
      for (const c of held) c.end();
    }
  });
});

// User sees: serve does not start (exit 2); the cap is not silently ignored.
describe('serve --max-uploads-per-key without --append-only', () => {
  it('is refused before listening, as --state-dir is', async () => {
    const r = await runCli(['serve', '--root', local, '--addr', '127.0.0.1:0', '--no-auth', '--max-uploads-per-key', '5']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'scpipe: --max-uploads-per-key caps what --append-only keeps on record: give it with --append-only\n' });
  });
});
