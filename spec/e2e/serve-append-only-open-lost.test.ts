// An upload into `scpipe serve --append-only` whose connection is lost as
// its temporary file is opened: serve made the file, and the retry's new
// session may not remove it (only the session that made a temporary file
// may). The run stores the upload all the same, and says what stays there.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { emptyRoot, servePerSuite } from '../helpers/serve';
import { startSlowAnswersRelay } from '../helpers/tcp-relay';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-open-lost-');
afterEach(() => emptyRoot(serve));

const TEMP = /^\.f(\.000000)?\.scpipe-\w{6}$/; // a file's, or a part's

describe('scpipe into serve --append-only, the connection lost at the open of the temporary file', () => {
  it.each([
    ['put', (_file: string) => ['put', '-s', '--retries', '2', 'backup@127.0.0.1:/f'], ['f']],
    ['put --part-size', (_file: string) => ['put', '-s', '--retries', '2', '--part-size', '1M', 'backup@127.0.0.1:/f'], ['f.000000', 'f.sha256']],
    ['cp', (file: string) => ['cp', '-s', '--retries', '2', file, 'backup@127.0.0.1:/f'], ['f']],
  ])('%s: stored, exit 0, and a warning names the temporary file the server keeps', async (_cmd, argv, stored) => {
    const local = localDir();
    // The first connection's answers come late: the file is made before the client hears of it.
    const relay = await startSlowAnswersRelay(serve.port, (i) => i === 0);
    const links = relay.links;
    try {
      const knownHosts = join(local, 'known_hosts');
      await writeFile(knownHosts, (await readFile(serve.knownHostsPath, 'utf8')).replace(`]:${serve.port} `, `]:${relay.port} `));
      const args = serve.scpipeArgs().map((a) => (a === String(serve.port) ? String(relay.port) : a.replace(serve.knownHostsPath, knownHosts)));
      const file = join(local, 'f');
      await writeFile(file, 'five!');
      const [command, ...rest] = argv(file);
      const run = startCli([command!, ...args, ...rest], { stdin: 'five!', timeoutMs: 60_000 });
      let temp = '';
      await waitFor(async () => Boolean((temp = (await readdir(serve.root)).find((n) => TEMP.test(n)) ?? '')), 'the temporary file made by serve', 30_000);
      for (const s of links[0]!) s.destroy();
      const r = await run.done;
      expect(r.status).toBe(0);
      expect(await readFile(join(serve.root, stored[0]!), 'utf8')).toBe('five!');
      expect((await readdir(serve.root)).sort()).toEqual([temp, ...stored].sort());
      expect(r.stderr).toContain(`scpipe: warning: /${temp} is left on the server by an attempt that a lost connection cut: removing it was refused (/${temp}: remove: /${temp}: append-only server: nothing is removed), and an append-only server keeps it; remove it with the server's own account\n`);
      expect(serve.log()).toContain(`sftp remove refused: /${temp}`);
    } finally {
      await relay.close();
    }
  }, 90_000);
});
