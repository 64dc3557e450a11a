// A server whose sftp subsystem sends the first bytes of its VERSION and
// then nothing (a forced `scp -t` says `\0`; a hostile or broken server
// stops part-way). The user sees, after the bound the subsystem is given (2 s here, by --start-timeout),
// that the subsystem sent no version, exit 1; nothing is written locally.
// Over the openssh transport the run waited for good.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-version-cut-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

const VERSION_START = Buffer.from([0, 0, 0, 5, 2, 0, 0]); // 7 of the 9 bytes of a VERSION 3
const refused = "the sftp subsystem sent 7 bytes but no SFTP version in 2 s (the account's forced command may not be sftp-server, or the host is slower to start it: raise --start-timeout); this host may allow only scp: try --protocol scp (or auto)";

it.each([
  ['openssh', ['--transport', 'openssh'], `scpipe: ${refused}\n`],
  ['ssh2', [], "scpipe: the sftp subsystem sent no SFTP version in 2 s (the account's forced command may not be sftp-server, or the host is slower to start it: raise --start-timeout); this host may allow only scp: try --protocol scp (or auto)\n"],
])('a VERSION cut short (transport %s): exit 1 after the bound, saying so; nothing written', async (_transport, transportArgs, stderr) => {
  fake = await startHostileSsh({ sftpOpening: VERSION_START });
  const r = await runCli(['get', ...fake.args(), ...transportArgs, '--start-timeout', '2', '--protocol', 'sftp', '--retries', '0', 'backup@127.0.0.1:f', '--output', join(dir, 'out')], { timeoutMs: 40_000 });
  expect(r.ms).toBeGreaterThanOrEqual(2_000);
  expect(r).toMatchObject({ status: 1, stderr });
  expect(await readdir(dir)).toEqual([]);
}, 60_000);
