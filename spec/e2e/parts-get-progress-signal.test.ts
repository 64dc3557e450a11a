// get --progress of a set in a log, stopped by Ctrl-C: the line counts the
// bytes received (docs/parts.md), the parts in flight included, but at the
// signal those parts' bytes were taken back, so the last line, written
// after it, went back (`38 MiB` then `36 MiB`, 12 % then 10 %) as if it
// counted the bytes written out. It goes on from the line before now.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { put } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const outDir = tempDirPerTest('scpipe-progress-signal-out-');

const MiB = 1024 * 1024;
const UNIT: Record<string, number> = { B: 1, KiB: 1024, MiB, GiB: 1024 * MiB };

// The bytes and percent of each progress line of `g.bin` in a log.
function progressLines(stderr: string): { bytes: number; pct: number }[] {
  return [...stderr.matchAll(/^scpipe: g\.bin: +(\d+)% +([\d.]+) (B|KiB|MiB|GiB) \//gm)].map((m) => ({ pct: Number(m[1]), bytes: Number(m[2]) * UNIT[m[3]!]! }));
}

it('get --progress of a set, SIGINT mid-way: the last line counts no fewer bytes than the one before', async () => {
  const dir = await userDir(sshd.rssh, 'progress-signal');
  await put(connectOptions(sshd, sshd.rssh), `${dir}/g.bin`, Readable.from([randomBytes(64 * MiB)]), { partSize: 4 * MiB });
  const out = outDir();
  // 2 MB/s over 4 parts at once: at the first line (10 s) parts are in flight, a few MiB of each received.
  const run = startCli(['get', ...sshFlags(sshd, sshd.rssh), '-O', '--progress', '-l', '16000', '--retries', '0', '--output', join(out, 'g.bin'), remote(sshd, sshd.rssh, `${dir}/g.bin`)], { timeoutMs: 60_000 });
  await waitFor(() => progressLines(run.stderr()).length > 0, 'the first progress line', 30_000);
  run.child.kill('SIGINT');
  const r = await run.done;
  expect(r.status).toBe(130);
  const lines = progressLines(r.stderr);
  expect(lines.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < lines.length; i++) {
    expect(lines[i]!.bytes).toBeGreaterThanOrEqual(lines[i - 1]!.bytes);
    expect(lines[i]!.pct).toBeGreaterThanOrEqual(lines[i - 1]!.pct);
  }
  expect(readdirSync(out)).toEqual([]);
}, 90_000);
