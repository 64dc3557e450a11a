// A put over SFTP whose connection goes at its start, while the server makes
// the temporary file, is retried like one lost during the writes: the run
// reconnects, removes the empty file the lost open left, and stores the
// stream (a pipe: nothing of it was read yet) whole, exit 0.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startHostileSftp, type FakeTree } from '../helpers/hostile-sftp';
import { startSlowAnswersRelay } from '../helpers/tcp-relay';
import { runCli, sshFlagsVia, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-open-lost-');
const TEMP = /^\.f\.scpipe-\w{6}$/;

// A fake server holding one directory, /d, that drops the connection where `drops` say.
const serverWithD = (drops: Pick<FakeTree, 'dropOnOpen' | 'dropOnStat' | 'dropOnRemove'>) =>
  startHostileSftp({ stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined), list: () => undefined, ...drops });
// True the first time `test` holds, never after: one connection dropped.
const once = (test: (path: string) => boolean) => {
  let done = false;
  return (path: string): boolean => !done && test(path) && (done = true);
};

describe('put over SFTP: a connection lost as the temporary file is opened', () => {
  it('a server that made the file and dropped the connection: retried, the file removed, stored whole', async () => {
    const fake = await serverWithD({ dropOnOpen: once((path) => /^\/d\/\.f\.scpipe-\w{6}$/.test(path)) });
    try {
      const data = randomBytes(3 * 1024 * 1024 + 7);
      const r = await runCli(['put', ...fake.args(), '-s', 'backup@127.0.0.1:/d/f'], { stdin: data, timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/^scpipe: \/d\/f: \/d\/\.f\.scpipe-\w{6}: open: .*; an empty temporary file may be left in \/d\/\.f\.scpipe-\w{6}; retry 1 of 5 in 1 s\n$/);
      expect(r.status).toBe(0);
      expect([...fake.uploads.files.keys()]).toEqual(['/d/f']);
      expect(fake.uploads.files.get('/d/f')!.equals(data)).toBe(true);
      const opened = fake.uploads.ops.filter((op) => op.startsWith('open '));
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual([opened[0]!.replace(/^open /, 'remove ')]);
    } finally {
      await fake.stop();
    }
  }, 90_000);

  it('lost while the target is looked at, before the open: retried, stored whole, nothing else made', async () => {
    const fake = await serverWithD({ dropOnStat: once((path) => path === '/d/f') });
    try {
      const data = randomBytes(1024 * 1024 + 1);
      // --parallel 1: a further channel opens the file too, and put opens one
      // when the round trip it measures is 2 ms or more (on a loaded machine).
      const r = await runCli(['put', ...fake.args(), '-s', '--parallel', '1', 'backup@127.0.0.1:/d/f'], { stdin: data, timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/^scpipe: \/d\/f: .*(the SFTP session ended|the server ended the SFTP session).*; retry 1 of 5 in 1 s\n$/);
      expect(r.status).toBe(0);
      expect([...fake.uploads.files.keys()]).toEqual(['/d/f']);
      expect(fake.uploads.files.get('/d/f')!.equals(data)).toBe(true);
      expect(fake.uploads.ops.filter((op) => op.startsWith('open '))).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  }, 90_000);

  it('one of two targets lost at its open: it is retried while the other goes on, and both get the whole stream', async () => {
    const fake = await serverWithD({ dropOnOpen: once((path) => /^\/d\/\.g\.scpipe-\w{6}$/.test(path)) });
    try {
      const data = randomBytes(4 * 1024 * 1024 + 9);
      const r = await runCli(['put', ...fake.args(), '-s', 'backup@127.0.0.1:/d/f', 'backup@127.0.0.1:/d/g'], { stdin: data, timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/^scpipe: .*\/d\/g: .*\/d\/\.g\.scpipe-\w{6}: open: .*; retry 1 of 5 in 1 s\n/);
      expect(r.status).toBe(0);
      expect([...fake.uploads.files.keys()].sort()).toEqual(['/d/f', '/d/g']);
      expect(fake.uploads.files.get('/d/f')!.equals(data)).toBe(true);
      expect(fake.uploads.files.get('/d/g')!.equals(data)).toBe(true);
    } finally {
      await fake.stop();
    }
  }, 90_000);

  it('cp of a local file: the empty file the lost open made is removed by the retry', async () => {
    const fake = await serverWithD({ dropOnOpen: once((path) => /^\/d\/\.f\.scpipe-\w{6}$/.test(path)) });
    try {
      const file = join(local(), 'f');
      writeFileSync(file, 'five!');
      const r = await runCli(['cp', ...fake.args(), '-s', file, 'backup@127.0.0.1:/d/f'], { timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/^scpipe: .*\/f: \/d\/\.f\.scpipe-\w{6}: open: .*; retry 1 of 5 in 1 s\n$/);
      expect(r.status).toBe(0);
      expect([...fake.uploads.files.keys()]).toEqual(['/d/f']);
      expect(fake.uploads.files.get('/d/f')!.toString()).toBe('five!');
    } finally {
      await fake.stop();
    }
  }, 90_000);

  // The connection lost again while the retry removes the empty file: the
  // attempt after it removes the file still, and nothing is left beside the stored one.
  it.each([
    ['put', (_file: string) => ['put', '-s', 'backup@127.0.0.1:/d/f'], 'five!'],
    ['cp', (file: string) => ['cp', '-s', file, 'backup@127.0.0.1:/d/f'], undefined],
  ])('%s: lost again while the file the lost open left is removed: removed by the next attempt, stored whole', async (_cmd, args, stdin) => {
    const temp = /^\/d\/\.f\.scpipe-\w{6}$/;
    const fake = await serverWithD({ dropOnOpen: once((path) => temp.test(path)), dropOnRemove: once((path) => temp.test(path)) });
    try {
      const file = join(local(), 'f');
      writeFileSync(file, 'five!');
      const [first, ...rest] = args(file);
      const r = await runCli([first!, ...fake.args(), ...rest], { stdin, timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/retry 1 of 5 in 1 s\n.*retry 2 of 5 in 5 s\n$/s);
      expect(r.status).toBe(0);
      const opened = fake.uploads.ops.filter((op) => op.startsWith('open '));
      const removeFirst = opened[0]!.replace(/^open /, 'remove ');
      expect(fake.uploads.ops.filter((op) => op.startsWith(removeFirst))).toEqual([`${removeFirst} (dropped)`, removeFirst]);
      expect([...fake.uploads.files.keys()]).toEqual(['/d/f']);
      expect(fake.uploads.files.get('/d/f')!.toString()).toBe('five!');
    } finally {
      await fake.stop();
    }
  }, 90_000);

  it('--retries 0: not retried, and the message names the file that may be left', async () => {
    const fake = await serverWithD({ dropOnOpen: () => true });
    try {
      const r = await runCli(['put', ...fake.args(), '-s', '--retries', '0', 'backup@127.0.0.1:/d/f'], { stdin: 'x', timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/an empty temporary file may be left in \/d\/\.f\.scpipe-\w{6}\n$/);
      expect(r.stderr).not.toContain('retry');
      expect(r.status).toBe(1);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // cp called that file "the partial upload", as if bytes of the file were there.
  it('cp --retries 0: not retried, and the message names the empty file that may be left as such', async () => {
    const fake = await serverWithD({ dropOnOpen: () => true });
    try {
      const file = join(local(), 'f');
      writeFileSync(file, 'five!');
      const r = await runCli(['cp', ...fake.args(), '-s', '--retries', '0', file, 'backup@127.0.0.1:/d/f'], { timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/^scpipe: .*(the SFTP session ended|the server ended the SFTP session).*; an empty temporary file may be left in \/d\/\.f\.scpipe-\w{6}\n$/);
      expect(r.stderr).not.toContain('partial');
      expect(r.status).toBe(1);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  it('a signal while waiting to retry: exit 143, and the message still names the file that may be left', async () => {
    const fake = await serverWithD({ dropOnOpen: () => true });
    try {
      const run = startCli(['put', ...fake.args(), '-s', 'backup@127.0.0.1:/d/f'], { stdin: 'x', timeoutMs: 60_000 });
      await waitFor(() => run.stderr().includes('retry 1 of 5'), 'the retry line', 30_000);
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.stderr).toMatch(/interrupted by SIGTERM.*; an empty temporary file may be left in \/d\/\.f\.scpipe-\w{6}\n$/);
      expect(r.status).toBe(143);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // A real sshd behind a relay that holds its answers back for a while: once
  // the trace says the open went and sshd has made the file, the link is
  // cut before the answer reaches the client.
  it('OpenSSH, the link cut after the file was made and before the answer came: retried, stored whole, no temporary file', async () => {
    const dir = await userDir(sshd.sftp, 'open-lost');
    const relay = await startSlowAnswersRelay(sshd.port, (i) => i === 0); // the first connection only: the retry's goes as it comes
    try {
      const data = randomBytes(2 * 1024 * 1024 + 3);
      const flags = sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.sftp);
      const run = startCli(['put', ...flags, '-s', '-v', `${sshd.sftp.name}@127.0.0.1:${remotePath(sshd.sftp, dir)}/f`], { stdin: data, timeoutMs: 90_000 });
      await waitFor(() => / via .*\.f\.scpipe-\w{6}\n/.test(run.stderr()), 'the open on its way', 60_000);
      await waitFor(() => readdirSync(dir).some((n) => TEMP.test(n)), 'the temporary file made by sshd', 10_000);
      for (const s of relay.links[0]!) s.destroy();
      const r = await run.done;
      expect(r.stderr).toMatch(/an empty temporary file may be left in .*\.f\.scpipe-\w{6}; retry 1 of 5/);
      expect(r.stderr).toMatch(/removed .*\.f\.scpipe-\w{6}, left by the lost connection/);
      expect(r.status).toBe(0);
      expect(readdirSync(dir)).toEqual(['f']);
      expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
    } finally {
      await relay.close();
    }
  }, 120_000);

  // A signal while the open is answered, from a producer with nothing to
  // give yet (a dump still starting): the run stopped only once the
  // producer wrote, as the open's answer came after the signal was handled.
  it('SIGTERM while the open of the temporary file is answered, the producer silent: exit 143 at once, no temporary file', async () => {
    const dir = await userDir(sshd.sftp, 'open-signal');
    const relay = await startSlowAnswersRelay(sshd.port, () => true);
    const silent = new PassThrough();
    try {
      const flags = sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.sftp);
      const run = startCli(['put', ...flags, '-s', '-v', `${sshd.sftp.name}@127.0.0.1:${remotePath(sshd.sftp, dir)}/f`], { stdin: silent, timeoutMs: 60_000 });
      await waitFor(() => / via .*\.f\.scpipe-\w{6}\n/.test(run.stderr()), 'the open on its way', 30_000);
      const killed = Date.now();
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.stderr).toMatch(/removed .*\.f\.scpipe-\w{6}\nscpipe: interrupted by SIGTERM\n$/);
      expect(r.status).toBe(143);
      expect(Date.now() - killed).toBeLessThan(8_000); // not the 10 s the CLI waits for a server that does not answer
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      silent.destroy();
      await relay.close();
    }
  }, 90_000);
});
