// A directory of thousands of entries listed through `scpipe serve`: by
// OpenSSH's sftp, every name once, with its attributes, and over ssh2 in
// replies of at most 100 entries each, as sftp-server pages them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { emptyRoot, servePerSuite, sftpBatch, ssh2Client } from '../helpers/serve';

const serve = servePerSuite();
afterEach(() => emptyRoot(serve));

const COUNT = 2500;
const names = Array.from({ length: COUNT }, (_, i) => `${String(i).padStart(5, '0')}-${'n'.repeat(i % 200)}`);

async function bigDirectory(): Promise<void> {
  await mkdir(join(serve.root, 'big'));
  for (let i = 0; i < COUNT; i += 250) await Promise.all(names.slice(i, i + 250).map((n, j) => writeFile(join(serve.root, 'big', n), 'x'.repeat((i + j) % 7))));
}

describe('serve lists a directory of thousands of entries', () => {
  it('to sftp ls -l, every name once with its size', async () => {
    await bigDirectory();
    const r = await sftpBatch(serve, ['ls -l big']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('-rw'));
    const listed = new Map(lines.map((l) => [l.split(' ').pop()!, Number(l.split(/ +/)[4])]));
    expect(lines).toHaveLength(COUNT);
    expect([...listed.keys()].sort()).toEqual(names);
    expect(names.filter((n, i) => listed.get(n) !== i % 7)).toEqual([]);
  });

  it('in replies of at most 100 entries, then EOF', async () => {
    await bigDirectory();
    const client = await ssh2Client(serve);
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
      const handle = await new Promise<Buffer>((resolve, reject) => sftp.opendir('/big', (err, h) => (err ? reject(err) : resolve(h))));
      const replies: number[] = [];
      const seen: string[] = [];
      for (;;) {
        const list = await new Promise<Array<{ filename: string; attrs: { size: number } }> | false>((resolve, reject) =>
          sftp.readdir(handle, (err, l) => (err ? ((err as { code?: number }).code === 1 ? resolve(false) : reject(err)) : resolve(l))),
        );
        if (list === false) break;
        replies.push(list.length);
        seen.push(...list.map((e) => e.filename));
      }
      expect(Math.max(...replies)).toBeLessThanOrEqual(100);
      expect(replies.length).toBeGreaterThanOrEqual(COUNT / 100);
      expect(seen.sort()).toEqual(names);
    } finally {
      client.end();
    }
  });
});
