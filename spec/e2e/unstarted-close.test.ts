// A server that closes a channel before it answers the exec or subsystem
// request, on a connection that stays up: Dropbear before 2024.86 does so
// when another command on the connection exits at that moment (its bug
// #321), so parts sent over several channels met it at random. scpipe asks
// again on a new channel of the same connection; it is not a lost
// connection (no reconnect, nothing resent) nor a refused subsystem.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { forcedScp, startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-unstarted-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('a channel closed before its command started, the connection up', () => {
  it('over SCP: the command asked for again on the same connection, the file stored', async () => {
    fake = await startHostileSsh({ closeUnstarted: 2, onExec: (channel) => forcedScp(channel, dir) });
    const r = await runCli(['put', ...fake.args(), '-v', '-O', '--retries', '0', 'backup@127.0.0.1:f'], { stdin: 'stored' });
    expect(r.status).toBe(0);
    expect(r.stderr.match(/exec: the server did not run the command \(Unable to exec\); asking again on a new channel\n/g)).toHaveLength(2);
    expect(r.stderr.match(/connecting to /g)).toHaveLength(1);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('stored');
  });

  it('over SFTP: the subsystem asked for again, not taken as refused', async () => {
    fake = await startHostileSsh({ closeUnstarted: 2, sftpServerIn: dir });
    const r = await runCli(['put', ...fake.args(), '-v', '--protocol', 'sftp', '--retries', '0', 'backup@127.0.0.1:f'], { stdin: 'stored', cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr.match(/sftp: the server did not start the subsystem \(Unable to start subsystem: sftp\); asking again on a new channel\n/g)).toHaveLength(2);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('stored');
  });

  it('a server that always does so: a refusal after four asks (exit 1), not "connection lost"', async () => {
    fake = await startHostileSsh({ closeUnstarted: 100, onExec: (channel) => forcedScp(channel, dir) });
    const r = await runCli(['put', ...fake.args(), '-O', '--retries', '0', 'backup@127.0.0.1:f'], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the server would not run the command, asked 4 times: Unable to exec');
    expect(r.stderr).not.toContain('connection lost');
  });
});
