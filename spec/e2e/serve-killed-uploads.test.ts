// `scpipe serve` killed (SIGKILL: a crash, the OOM killer) or stopped
// (SIGTERM, cutting at once) while OpenSSH's clients, scpipe's parts and
// scpipe cp upload through it. Each test says what the clients see and what is left
// in the root.
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { startCli } from '../helpers/cli';
import { startServe, type TestServe } from '../helpers/serve';
import { exited, threeUploads } from '../helpers/slow-uploads';

let serve: TestServe | undefined;
const clients: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.kill('SIGKILL');
  await serve?.stop();
  serve = undefined;
});

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// How OpenSSH's ssh says the server went, by whether it was reading or writing then.
const LOST = /Connection to 127\.0\.0\.1 closed by remote host\.|client_loop: send disconnect: (Broken pipe|Connection reset by peer)/;

describe('serve killed with SIGKILL while OpenSSH clients upload', () => {
  // Clients see: `Connection to 127.0.0.1 closed by remote host.` (or, as they write, ssh's
  // `client_loop: send disconnect: Broken pipe`), and exit 1 or 255.
  // Left: scp -O's temporary name (named by a serve started later, once an hour old);
  // the SFTP uploads' first bytes under their own names, as sftp-server's crash leaves them.
  it('each client fails; scp -O leaves its temporary name, SFTP uploads (written in place) a short file under theirs', async () => {
    serve = await startServe();
    const s = serve;
    const { clients: uploads } = await threeUploads(s, 20 * MiB, clients);
    s.process.kill('SIGKILL');
    expect(await exited(s.process)).toBe('SIGKILL');
    const [scpO, scp, sftp] = uploads;
    for (const u of [scpO!, scp!]) {
      expect([1, 255]).toContain(await exited(u.child)); // 255 where ssh itself saw the loss first
      expect(u.stderr()).toMatch(LOST);
    }
    expect([1, 255, 'SIGPIPE']).toContain(await exited(sftp!.child));
    expect(sftp!.stderr()).toMatch(LOST);
    const left = (await readdir(s.root)).sort();
    expect(left).toEqual([expect.stringMatching(/^\.scp-O\.bin\.scpipe-\d+-\w{12}$/), 'scp.bin', 'sftp.bin']);
    for (const name of left) expect((await stat(join(s.root, name))).size).toBeLessThan(20 * MiB);
  }, 30_000);
});

describe.each([
  ['SIGKILL', 'scp'],
  ['SIGKILL', 'sftp'],
  ['SIGTERM', 'scp'],
  ['SIGTERM', 'sftp'],
] as const)('serve stopped by %s and started again while scpipe put --protocol %s uploads a parts set', (signal, protocol) => {
  // User sees: a retry line, exit 0. Left: the whole set and its manifest.
  // Before, over SFTP a stop that removed the cut part's temporary file failed the whole set (exit 1).
  it('put sends the cut part again and the set is whole', async () => {
    serve = await startServe();
    const s = serve;
    const data = randomBytes(8 * MiB);
    const run = startCli(['put', '-v', '-l', '16000', '--part-size', '1M', '--parallel', '1', '--protocol', protocol, ...s.scpipeArgs(), 'backup@127.0.0.1:/set.bin'], { stdin: data, timeoutMs: 60_000 });
    // A part stored, and the next one's bytes arriving in its temporary file: the cut falls mid-part.
    await waitFor(async () => {
      const names = await readdir(s.root);
      if (!names.includes('set.bin.000001')) return false;
      const temps = names.filter((n) => n.startsWith('.set.bin.') && n.includes('.scpipe-'));
      const sizes = await Promise.all(temps.map(async (n) => (await stat(join(s.root, n)).catch(() => undefined))?.size ?? 0));
      return sizes.some((n) => n > 64 * 1024);
    }, 'a part half-way', 30_000);
    await s.restart(signal);
    const r = await run.done;
    expect(r.stderr).toMatch(/^scpipe: set\.bin\.0000\d\d: .*; retry 1 of 5 in 1 s$/m);
    expect(r.stderr).toMatch(/sent 8388608 bytes as 8 part\(s\) and \/set\.bin\.sha256 in /);
    expect(r.status).toBe(0);
    const left = (await readdir(s.root)).sort();
    const parts = left.filter((n) => /^set\.bin\.\d{6}$/.test(n));
    expect(parts).toHaveLength(8);
    // Besides the set, only what a killed serve's scp -t left (named by serve once an hour old).
    expect(left.filter((n) => !parts.includes(n) && n !== 'set.bin.sha256')).toEqual(signal === 'SIGKILL' && protocol === 'scp' ? [expect.stringMatching(/^\.set\.bin\.0000\d\d\.scpipe-\d+-\w{12}$/)] : []);
    const whole = Buffer.concat(await Promise.all(parts.map((p) => readFile(join(s.root, p)))));
    expect(sha(whole)).toBe(sha(data));
  }, 60_000);
});

describe.each(['SIGKILL', 'SIGTERM'] as const)('serve stopped by %s and started again while scpipe cp uploads a file over SFTP', (signal) => {
  // User sees: a retry line, exit 0. Left: the file whole under its name.
  it('cp sends it again and stores it whole', async () => {
    serve = await startServe();
    const s = serve;
    const data = randomBytes(8 * MiB);
    const src = join(s.dir, 'src.bin');
    await writeFile(src, data);
    const run = startCli(['cp', '-v', '-l', '16000', ...s.scpipeArgs(), src, 'backup@127.0.0.1:/f.bin'], { timeoutMs: 60_000 });
    await waitFor(async () => {
      const temp = (await readdir(s.root)).find((n) => n.startsWith('.f.bin.scpipe-'));
      return temp !== undefined && ((await stat(join(s.root, temp)).catch(() => undefined))?.size ?? 0) > 256 * 1024;
    }, 'the file half-way', 30_000);
    await s.restart(signal);
    const r = await run.done;
    expect(r.stderr).toMatch(/^scpipe: \S+src\.bin: \/\.f\.bin\.scpipe-\w+: write: the server ended the SFTP session; retry 1 of 5 in 1 s$/m);
    expect(r.status).toBe(0);
    expect(await readdir(s.root)).toEqual(['f.bin']);
    expect(sha(await readFile(join(s.root, 'f.bin')))).toBe(sha(data));
  }, 60_000);
});
