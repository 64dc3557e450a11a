// `get --resume --output FILE` whose session is lost at the REALPATH that
// names the kept file (kept-file.ts): the kept file of that path is read on
// from on the next connection, not removed as another path's because the
// lost request named none. A test SFTP server serves /f through /link (its
// REALPATH says /f) and ends its session at the first REALPATH of the second run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { runCli } from '../helpers/cli';
import { startHostileSftp, type FakeTree } from '../helpers/hostile-sftp';

const DATA = randomBytes(300_000);
const EOF = 1;
let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'scpipe-test-resume-realpath-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

// One run of get --resume of /link; what is in `work` after it (name: size).
async function run(extra: Partial<FakeTree>, args: string[] = []): Promise<{ status: number | null; stderr: string; left: string[] }> {
  const fake = await startHostileSftp({ stat: (p) => (p === '/f' || p === '/link' ? { kind: 'file', data: DATA } : p === '.' ? { kind: 'dir' } : undefined), list: () => undefined, realpath: (p) => [p === '/link' ? '/f' : p], ...extra });
  try {
    const r = await runCli(['get', '-s', '--resume', ...fake.args(), ...args, '--output', join(work, 'out'), '127.0.0.1:/link'], { timeoutMs: 30_000 });
    const left = await Promise.all((await readdir(work)).sort().map(async (n) => `${n}: ${(await stat(join(work, n))).size}`));
    return { status: r.status, stderr: r.stderr, left };
  } finally {
    await fake.stop();
  }
}

// Ends the session instead of answering the first `times` REALPATHs after an FSTAT (those that name a kept file, not that of `.`).
function lostAtRealpath(times: number): FakeTree['replyInstead'] {
  let opened = false;
  return (request, sftp) => {
    if (request === 'FSTAT') opened = true;
    if (request !== 'REALPATH' || !opened || times === 0) return false;
    times--;
    sftp.end();
    return true;
  };
}

it('a session lost at the REALPATH of a resumed get: the kept bytes stay and are read on from after the reconnect', async () => {
  // The first run keeps what it read before an end of file come early.
  const cut = await run({ onRead: (sftp: SFTPWrapper, reqid: number, _d: Buffer, offset: number) => offset >= 100_000 && (sftp.status(reqid, EOF), true) });
  expect(cut.status).toBe(1);
  expect(cut.left).toEqual([expect.stringMatching(/^out\.scpipe-partial-300000-1000000000-[0-9a-f]{8}: \d+$/)]);
  const kept = Number(cut.left[0]!.split(': ')[1]);
  expect(kept).toBeGreaterThan(0);

  const r = await run({ replyInstead: lostAtRealpath(1) }, ['--retries', '1']);
  expect(r.stderr).toContain(`reading on from byte ${kept}\n`);
  expect(r.stderr).not.toContain('starting over');
  expect(r).toMatchObject({ status: 0, left: ['out: 300000'] });
  expect((await readFile(join(work, 'out'))).equals(DATA)).toBe(true);
});

it('--retries 0 and the session lost at that REALPATH: exit 1 naming the lost request, the kept bytes left whole under their name', async () => {
  const cut = await run({ onRead: (sftp: SFTPWrapper, reqid: number, _d: Buffer, offset: number) => offset >= 100_000 && (sftp.status(reqid, EOF), true) });
  const r = await run({ replyInstead: lostAtRealpath(1) }, ['--retries', '0']);
  expect(r).toMatchObject({ status: 1, stderr: 'scpipe: /link: realpath: the server ended the SFTP session\n' });
  expect(r.left).toEqual(cut.left);
});

it('REALPATH refused with a status on this run (answered before): the kept file of the real path is left, not removed as another path\'s', async () => {
  const cut = await run({ onRead: (sftp: SFTPWrapper, reqid: number, _d: Buffer, offset: number) => offset >= 100_000 && (sftp.status(reqid, EOF), true) });
  let opened = false;
  const refused: FakeTree['replyInstead'] = (request, sftp, reqid) => {
    if (request === 'FSTAT') opened = true;
    if (request !== 'REALPATH' || !opened) return false;
    sftp.status(reqid, 3, 'Permission denied');
    return true;
  };
  const r = await run({ replyInstead: refused });
  // The file is fetched whole under its spelled path; the real path's kept bytes stay for a run that learns it again.
  expect(r.stderr).not.toContain('removed');
  expect(r).toMatchObject({ status: 0, left: ['out: 300000', cut.left[0]] });
  expect((await readFile(join(work, 'out'))).equals(DATA)).toBe(true);
});
