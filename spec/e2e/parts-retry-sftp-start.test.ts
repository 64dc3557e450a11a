// Parts over SFTP lost at the start of a part, against a lying SFTP server
// that drops the connection at a chosen request: put over SFTP mends the
// loss by itself, and what the part does or says after that.
import { randomBytes } from 'node:crypto';
import { startHostileSftp } from '../helpers/hostile-sftp';
import { runCli } from '../helpers/cli';

const MiB = 1024 * 1024;
const dirOnly = (path: string) => (path === '/d' || path === '.' ? { kind: 'dir' as const } : undefined);

describe('parts over SFTP, lost at the start of a part', () => {
  // The open of part 0's temporary file is lost once (put over SFTP
  // reconnects by itself), then --remove-stale's removal over the new
  // connection is lost once: the part's own retry connects anew, not on the
  // connection just lost. User sees two retry lines, exit 0; left: the set,
  // and the stale file, whose removal was lost (the sweep is made once).
  it('a loss after put over SFTP reconnected by itself: the part\'s retry connects anew and the set completes', async () => {
    const stale = '/d/.p.000003.scpipe-Abc123';
    let opened = false;
    let removed = false;
    const fake = await startHostileSftp({
      stat: (path) => dirOnly(path) ?? (path === stale ? { kind: 'file', mtime: 1_000_000_000 - 3600 } : undefined),
      list: (_path, call) => (call === 0 ? ['.p.000003.scpipe-Abc123'] : undefined),
      dropOnOpen: (path) => !opened && /^\/d\/\.p\.000000\.scpipe-\w{6}$/.test(path) && (opened = true),
      dropOnRemove: (path) => !removed && path === stale && (removed = true),
    });
    try {
      const data = randomBytes(MiB / 2);
      const r = await runCli(['put', ...fake.args(), '-s', '--remove-stale', '--part-size', '1M', '--parallel', '1', '--retries', '1', 'backup@127.0.0.1:/d/p'], { stdin: data, timeoutMs: 60_000 });
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toEqual([
        expect.stringMatching(/^scpipe: p\.000000: \/d\/\.p\.000000\.scpipe-\w{6}: open: .*; retry 1 of 1 in 1 s$/),
        expect.stringMatching(/^scpipe: p\.000000: \/d\/\.p\.000003\.scpipe-Abc123: remove: .*; retry 1 of 1 in 1 s$/),
      ]);
      expect(r.status).toBe(0);
      expect([...fake.uploads.files.keys()].sort()).toEqual(['/d/p.000000', '/d/p.sha256']);
      expect(fake.uploads.files.get('/d/p.000000')!.equals(data)).toBe(true);
      // Each temporary file a loss left was removed by the attempt after it.
      const opens = fake.uploads.ops.filter((op) => op.startsWith('open /d/.p.000000.')).map((op) => op.slice('open '.length));
      expect(opens).toHaveLength(3);
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual([`remove ${opens[0]}`, `remove ${stale} (dropped)`, `remove ${opens[1]}`]);
    } finally {
      await fake.stop();
    }
  }, 90_000);
  // Lost at every open of part 0's temporary file, --retries 1: the retry
  // removes the first one and makes another, lost too. User sees one retry
  // line naming the first, then the error naming only the second, exit 1;
  // left: that second temporary file, empty, and no manifest.
  it('lost at every open of a part: the final message names only the temporary file still left', async () => {
    const fake = await startHostileSftp({
      stat: dirOnly,
      list: () => undefined,
      dropOnOpen: (path) => /^\/d\/\.p\.000000\.scpipe-\w{6}$/.test(path),
    });
    try {
      const r = await runCli(['put', ...fake.args(), '-s', '--part-size', '1M', '--parallel', '1', '--retries', '1', 'backup@127.0.0.1:/d/p'], { stdin: randomBytes(MiB / 2), timeoutMs: 60_000 });
      const opens = fake.uploads.ops.filter((op) => op.startsWith('open ')).map((op) => op.slice('open '.length));
      expect(opens).toEqual([expect.stringMatching(/^\/d\/\.p\.000000\.scpipe-\w{6}$/), expect.stringMatching(/^\/d\/\.p\.000000\.scpipe-\w{6}$/)]);
      expect(fake.uploads.ops).toEqual([`open ${opens[0]}`, `remove ${opens[0]}`, `open ${opens[1]}`]);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^scpipe: p\\.000000: .*an empty temporary file may be left in ${opens[0]!.replace(/\./g, '\\.')}; retry 1 of 1 in 1 s$`));
      expect(lines[1]).not.toContain(`may be left in ${opens[0]}`); // removed by the retry
      expect(lines[1]).toMatch(new RegExp(`; 1 retry failed too, the last: .*; an empty temporary file may be left in ${opens[1]!.replace(/\./g, '\\.')}; the parts set p is incomplete`));
      expect(r.status).toBe(1);
      expect([...fake.uploads.files.entries()]).toEqual([[opens[1], Buffer.alloc(0)]]);
    } finally {
      await fake.stop();
    }
  }, 90_000);
});
