// The bench's input file and the checks that every transfer delivered it.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { allowFor, remoteOut, startDownload, type BenchCase } from './cases';
import { TINY_DATA, type Env } from './env';
import { formatManifest, partName } from '../../lib';

const BLOCK = 16 * 1024 * 1024;

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file, { highWaterMark: BLOCK }).on('error', reject)
      .on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex')));
  });
}

/** Writes `size` random bytes to `file`; returns their SHA-256. */
export function makeTestFile(file: string, size: number): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    for (let left = size; left > 0; left -= BLOCK) {
      const block = crypto.randomBytes(Math.min(BLOCK, left));
      hash.update(block);
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** After a timed run: the remote file is the input (size; SHA-256 when `hash`), then removed. */
export async function verifyRun(c: BenchCase, env: Env, hash: boolean): Promise<void> {
  if (c.kind === 'tiny') {
    const out = remoteOut(env, c.kind);
    const got = fs.readFileSync(out);
    if (!got.equals(TINY_DATA)) throw new Error(`${c.name}: remote file ${out} holds ${JSON.stringify(got.toString())}`);
    fs.rmSync(out);
  } else if (c.kind === 'parts') {
    const names = fs.readdirSync(env.remoteDir).filter((f) => /^out\.\d{6,}$/.test(f)).sort();
    const hasher = crypto.createHash('sha256');
    let size = 0;
    for (const name of names) {
      const bytes = fs.readFileSync(path.join(env.remoteDir, name));
      size += bytes.length;
      if (hash) hasher.update(bytes);
      fs.rmSync(path.join(env.remoteDir, name));
    }
    fs.rmSync(path.join(env.remoteDir, 'out.sha256'), { force: true });
    if (size !== env.opts.size) throw new Error(`${c.name}: the parts hold ${size} bytes, expected ${env.opts.size}`);
    if (hash && hasher.digest('hex') !== env.sha256) throw new Error(`${c.name}: the parts' SHA-256 differs from the input's`);
  } else if (c.kind === 'upload') {
    const out = remoteOut(env, c.kind);
    const st = fs.statSync(out, { throwIfNoEntry: false });
    if (!st) throw new Error(`${c.name}: exited 0 but the remote file ${out} does not exist`);
    if (st.size !== env.opts.size) throw new Error(`${c.name}: remote file has ${st.size} bytes, expected ${env.opts.size}`);
    if (hash && (await sha256File(out)) !== env.sha256) throw new Error(`${c.name}: the remote file's SHA-256 differs from the input's`);
    fs.rmSync(out);
    const left = fs.readdirSync(env.spoolDir);
    if (left.length) {
      console.error(`warning: ${c.name} left ${left.join(', ')} in the spool dir; removed`);
      for (const f of left) fs.rmSync(path.join(env.spoolDir, f), { recursive: true, force: true });
    }
  }
}

/** Before the timed runs: one untimed download into a file, which must be the input byte for byte. */
export async function verifyDownload(c: BenchCase, env: Env): Promise<void> {
  const out = path.join(env.tmp, `verify-${c.name}.bin`);
  try {
    await allowFor(env, c);
    const { procs } = startDownload(env, c.name, out);
    const results = await Promise.all(procs.map((p) => p.done));
    const bad = results.find((r) => r.code !== 0);
    if (bad) throw new Error(`${c.name} (verification run) failed: exit ${bad.code ?? bad.signal}\n${bad.stderr}`);
    const size = fs.statSync(out).size;
    if (size !== env.opts.size) throw new Error(`${c.name}: downloaded ${size} bytes, expected ${env.opts.size}`);
    if ((await sha256File(out)) !== env.sha256) throw new Error(`${c.name}: the downloaded SHA-256 differs from the input's`);
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** Writes `file` as the parts set `dir/name` (parts and manifest), as scpipe put --part-size would. */
export function writePartsSet(file: string, dir: string, name: string, partSize: number, sha256: string): void {
  const data = fs.readFileSync(file);
  const parts = [];
  for (let i = 0, at = 0; at < data.length || i === 0; i++, at += partSize) {
    const bytes = data.subarray(at, at + partSize);
    fs.writeFileSync(path.join(dir, partName(name, i)), bytes, { mode: 0o644 });
    parts.push({ name: partName(name, i), size: BigInt(bytes.length), sha256: crypto.createHash('sha256').update(bytes).digest('hex') });
  }
  const manifest = { version: 1, name, size: BigInt(data.length), partSize: BigInt(partSize), sha256, time: new Date().toISOString(), parts };
  fs.writeFileSync(path.join(dir, `${name}.sha256`), formatManifest(manifest), { mode: 0o644 });
}
