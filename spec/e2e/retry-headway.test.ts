// --retries over a link that drops every connection: a retry's count begins
// anew only after a connection moved the transfer on by 16 MiB (retry.ts
// HEADWAY_BYTES). A link that lets a little through each time (a few KiB, a
// server that takes one write and then fails) ends the run after N retries,
// exit 1, instead of crawling on for ever; one that cuts each connection
// after tens of MiB still gets the transfer through.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlagsVia } from '../helpers/cli';
import { startCuttingRelay, type CuttingRelay } from '../helpers/cutting-relay';

const sshd = sshdPerSuite();
const MiB = 1024 * 1024;
let local: string;
let relay: CuttingRelay | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-headway-'));
});
afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await rm(local, { recursive: true, force: true });
});

async function through(cutAfter: number): Promise<string[]> {
  relay = await startCuttingRelay(sshd.port, cutAfter);
  return sshFlagsVia(sshd, relay.port, join(local, 'known_hosts'), sshd.sftp);
}

const lines = (stderr: string): string[] => stderr.trimEnd().split('\n');
const SPENT = '; not retried: 2 retries were spent since a connection last moved the transfer on by 16 MiB';

// 6 MiB: enough for some writes or reads to be answered before each cut, so
// every connection keeps a little (which began the count anew for ever).
describe('a link that drops every connection after 6 MiB', () => {
  it('SFTP put: retry 1 and 2 of 2, then exit 1 saying why; the partial upload is left, no target', async () => {
    const dir = await userDir(sshd.sftp, 'headway-put');
    const flags = await through(6 * MiB);
    const r = await runCli(['put', '--retries', '2', ...flags, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)], { stdin: randomBytes(48 * MiB), timeoutMs: 60_000 });
    const said = lines(r.stderr);
    expect(said.filter((l) => / retry \d of 2 in \d+ s$/.test(l)).map((l) => / retry (\d) of/.exec(l)![1])).toEqual(['1', '2']);
    expect(said[said.length - 1]).toContain(SPENT);
    expect(said[said.length - 1]).toMatch(/the partial upload is left in \/\S+\/\.f\.bin\.scpipe-\w+/);
    expect(r.status).toBe(1);
    expect(relay!.connections()).toBe(3);
    const left = await readdir(dir);
    expect(left).toEqual([expect.stringMatching(/^\.f\.bin\.scpipe-\w+$/)]);
    expect((await stat(join(dir, left[0]!))).size).toBeLessThan(18 * MiB);
  }, 90_000);

  it('SFTP get: exit 1 after retry 2 of 2, saying how much went out', async () => {
    const dir = await userDir(sshd.sftp, 'headway-get');
    await writeFile(join(dir, 'g.bin'), randomBytes(48 * MiB));
    const flags = await through(6 * MiB);
    const r = await runCli(['get', '--retries', '2', ...flags, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/g.bin`)], { timeoutMs: 60_000 });
    const said = lines(r.stderr);
    expect(said.filter((l) => / retry \d of 2 in \d+ s$/.test(l))).toHaveLength(2);
    expect(said[said.length - 1]).toContain(SPENT);
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBeLessThan(18 * MiB);
    expect(relay!.connections()).toBe(3);
    expect(await readdir(dir)).toEqual(['g.bin']);
  }, 90_000);

  it('SCP put (-O), which sends the file again from its start: N in all, exit 1', async () => {
    const dir = await userDir(sshd.rssh, 'headway-scp');
    relay = await startCuttingRelay(sshd.port, 6 * MiB);
    const flags = sshFlagsVia(sshd, relay.port, join(local, 'known_hosts'), sshd.rssh);
    const r = await runCli(['put', '-O', '--retries', '2', ...flags, remote(sshd, sshd.rssh, `${dir}/s.bin`)], { stdin: randomBytes(16 * MiB), timeoutMs: 60_000 });
    const said = lines(r.stderr);
    expect(said.filter((l) => / retry \d of 2 in \d+ s$/.test(l))).toHaveLength(2);
    expect(said[said.length - 1]).toMatch(/; 2 retries failed too, the last: /);
    expect(said[said.length - 1]).toMatch(/the remote file \S+\/s\.bin is left cut short/);
    expect(r.status).toBe(1);
    expect(relay.connections()).toBe(3);
    expect((await stat(join(dir, 's.bin'))).size).toBeLessThan(6 * MiB);
  }, 90_000);
});

it('SFTP put over a link that drops every connection after 40 MiB: each loss is retry 1 of 1 anew, and the upload completes whole', async () => {
  const dir = await userDir(sshd.sftp, 'headway-through');
  const data = randomBytes(100 * MiB);
  const flags = await through(40 * MiB);
  const r = await runCli(['put', '--retries', '1', ...flags, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/t.bin`)], { stdin: data, timeoutMs: 90_000 });
  expect(r.status).toBe(0);
  const retries = lines(r.stderr).filter((l) => / retry \d of 1 in 1 s$/.test(l));
  expect(retries.length).toBeGreaterThanOrEqual(2);
  expect(retries.every((l) => / retry 1 of 1 in 1 s$/.test(l))).toBe(true);
  expect(await readdir(dir)).toEqual(['t.bin']);
  const sum = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  expect(sum(await readFile(join(dir, 't.bin')))).toBe(sum(data));
}, 120_000);
