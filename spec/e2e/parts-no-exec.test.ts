// A parts set to an SFTP-only server that runs no command at all: it fails
// every exec request (CHANNEL_FAILURE), where OpenSSH's internal-sftp runs
// it and says "This service allows sftp connections only.". Parts go over
// `scp -t` first, so `put --part-size` failed there ("the server would not
// run the command, asked 4 times") instead of turning to SFTP.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-noexec-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

it('sends a parts set over SFTP to a server that fails every exec request', async () => {
  fake = await startHostileSsh({ refuseExec: true, sftpServerIn: dir });
  const r = await runCli(['put', ...fake.args(), '--part-size', '4', '--retries', '0', 'backup@127.0.0.1:set'], { stdin: 'stored in parts', cwd: dir });
  expect(r).toMatchObject({ status: 0 });
  expect((await readdir(dir)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002', 'set.000003', 'set.sha256']);
  expect(await readFile(join(dir, 'set.000003'), 'utf8')).toBe('rts');
});
