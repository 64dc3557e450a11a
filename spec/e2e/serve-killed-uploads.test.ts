// `scpipe serve` killed (SIGKILL: a crash, the OOM killer) while clients
// upload through it. Each test says what the clients see and what is left
// in the root.
import type { ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
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

describe('serve killed with SIGKILL while OpenSSH clients upload', () => {
  // Clients see: `Connection to 127.0.0.1 closed by remote host.`; scp adds `lost connection`.
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
      expect(await exited(u.child)).toBe(1);
      expect(u.stderr()).toBe('Connection to 127.0.0.1 closed by remote host.\r\nlost connection\n');
    }
    expect([1, 'SIGPIPE']).toContain(await exited(sftp!.child));
    expect(sftp!.stderr()).toContain('Connection to 127.0.0.1 closed by remote host.');
    const left = (await readdir(s.root)).sort();
    expect(left).toEqual([expect.stringMatching(/^\.scp-O\.bin\.scpipe-\d+-\w{12}$/), 'scp.bin', 'sftp.bin']);
    for (const name of left) expect((await stat(join(s.root, name))).size).toBeLessThan(20 * MiB);
  }, 30_000);
});
