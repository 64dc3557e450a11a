// A server that answers REALPATH with a NAME reply holding no name breaks the
// protocol: the copy fails as ERR_PROTOCOL (exit 1) saying so, not as a lost
// session, and nothing is written into the target.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { startHostileSftp, type HostileSftp } from '../helpers/hostile-sftp';

let work: string;
let fake: HostileSftp | undefined;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'scpipe-test-empty-name-'));
  await mkdir(join(work, 'target'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(work, { recursive: true, force: true });
});

describe('cp -r from a server whose REALPATH reply holds no name', () => {
  it('fails as a protocol violation, copying nothing', async () => {
    fake = await startHostileSftp({
      stat: (path) => (path === '/t' ? { kind: 'dir' } : undefined),
      list: () => undefined,
      realpath: () => [],
    });
    const r = await runCli(['cp', ...fake.args(), '--json', '-r', 'backup@127.0.0.1:/t', join(work, 'target')], { timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/t: realpath: the server broke the SFTP protocol: its reply names no path');
    expect(r.stderr).not.toContain('session ended');
    expect(r.stdout.toString()).toContain('"code":"ERR_PROTOCOL"');
    expect(await readdir(join(work, 'target'))).toEqual([]);
  });
});
