// get of a parts set reported its progress only as each part went out,
// checked: nothing while the first parts came in (minutes for parts of
// 1 GiB), then a part at once, so a log's --progress line stayed silent and
// then gave the rate of a copy from the spool. The bytes received come too.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get, put, type Progress } from '../../lib';
import { waitFor } from '../helpers/async';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const target = () => connectOptions(sshd, sshd.rssh);

it('get of a parts set reports the bytes of the parts received before any goes out, then every byte out', async () => {
  const dir = await userDir(sshd.rssh, 'parts-progress');
  const size = 4n << 20n;
  await put(target(), `${dir}/set`, Buffer.alloc(Number(size), 5), { partSize: 1 << 20 });
  const seen: Progress[] = [];
  const download = await get(target(), `${dir}/set`, { parallel: 4, onProgress: (p) => seen.push(p) });
  let out = 0;
  try {
    // Nothing read: the parts are fetched ahead, and the progress says so while none is written out whole.
    await waitFor(() => seen.some((p) => p.fetched === size), 'every part fetched ahead');
    expect(seen.filter((p) => p.fetched !== undefined && p.fetched > 0n && p.bytes === 0n).length).toBeGreaterThan(0);
    expect(seen.every((p) => p.name === 'set' && p.phase === 'transfer' && p.total === size)).toBe(true);
    for await (const chunk of download.body) out += (chunk as Buffer).length;
    await download.done;
  } finally {
    download.body.destroy(); // a failure above leaves no connection open for the suite's sshd to wait on
    await download.done.catch(() => undefined);
  }
  expect(out).toBe(Number(size));
  expect(seen.at(-1)).toEqual({ name: 'set', phase: 'transfer', bytes: size, total: size, fetched: size });
  expect(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes)).toBe(true);
});

// Every part received, then the last one found not to match: its bytes are
// to fetch again, so the bytes received go down. The line took that for a
// second file, and a restore's log ended "[file 2, 7 MiB in all]".
it('get --progress of a set whose last part does not match ends on one file\'s line; exit 1, no FILE', async () => {
  const dir = await userDir(sshd.rssh, 'parts-progress-bad');
  await put(target(), `${dir}/set`, Buffer.alloc(4 << 20, 7), { partSize: 1 << 20 });
  writeFileSync(join(dir, 'set.000003'), Buffer.alloc(1 << 20, 8)); // its size, other bytes
  const out = join(dir, 'out');
  const r = await runCli(['get', ...sshFlags(sshd, sshd.rssh), '-O', '--progress', '--retries', '0', '--output', out, remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/set`)]);
  expect(r.status).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('scpipe: set: '));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => l.includes('[file'))).toEqual([]);
  expect(r.stderr).toContain('scpipe: part set.000003 does not match its SHA-256 in the manifest\n');
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir).filter((n) => n.includes('scpipe'))).toEqual([]);
});
