// A client naming paths 1,500 directories deep must not slow every other
// client of `scpipe serve`. The jail lstat()ed each name of a path from the
// root, one round trip to the thread pool each, each walking the whole
// prefix again: ~200 ms per request, and a client looping renames of such
// paths made another client's `stat /h` take ~500 ms. Directories found
// inside are now remembered (inside-dirs.ts): one stat() per request.
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { processCpuMs } from '../helpers/process-cpu';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

async function sftpClient(): Promise<{ client: Client; sftp: SFTPWrapper }> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath) });
  });
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
  return { client, sftp };
}

it("a client renaming paths 1,500 deep in a loop costs serve little per request, so another client's requests do not queue behind it", async () => {
  const deep = ['/deep', ...Array<string>(1500).fill('d')].join('/');
  await mkdir(join(serve.root, deep), { recursive: true });
  await writeFile(join(serve.root, 'h'), 'h');
  const hostile = await sftpClient();
  const other = await sftpClient();
  let stop = false;
  let renames = 0;
  try {
    const loops = [0, 1, 2].map(async (j) => {
      while (!stop) {
        await new Promise((r) => hostile.sftp.rename(`${deep}/nope${j}`, `${deep}/nope${j}b`, r));
        renames++;
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    const [cpu, renamed] = [processCpuMs(serve.process.pid!), renames];
    for (let i = 0; i < 20; i++) await new Promise((r) => other.sftp.stat('/h', r));
    const perRequest = (processCpuMs(serve.process.pid!) - cpu) / (renames - renamed + 20);
    stop = true;
    await Promise.all(loops);
    // serve's CPU per request, not the wall time of the 20 stats: on a
    // loaded machine those took 11-15 s whatever a request cost (serve
    // waited for a core). Now 15-50 ms; a walk from the root per request, 330.
    expect(perRequest).toBeLessThan(100);
  } finally {
    hostile.client.end();
    other.client.end();
  }
}, 60_000);
