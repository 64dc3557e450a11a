// put() with partSize against the real sshd through the rssh-like account:
// the parts, concatenated in glob order, are the input; sha256sum -c passes
// on the manifest in the remote directory.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { put, parseManifest } from '../../lib';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-spool-', { mustEndEmpty: true });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'parts');
});

const target = () => ({
  host: '127.0.0.1',
  port: sshd.port,
  user: sshd.rssh.name,
  identityFiles: [sshd.rssh.keyPath],
  configFile: 'none',
  options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'StrictHostKeyChecking=yes'],
});

// The stream in odd-sized chunks, so that chunk and part boundaries differ.
function chunked(data: Buffer, step = 7919): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += step) chunks.push(data.subarray(i, i + step));
  return Readable.from(chunks);
}

/** The parts in glob order (what `cat NAME.[0-9]*` reads). */
function globbed(name: string): Buffer {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1))).sort();
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

const SIZE = 64 * 1024;

describe('put() with partSize', () => {
  it.each([
    [0, 1],
    [1, 1],
    [SIZE - 1, 1],
    [SIZE, 1],
    [SIZE + 1, 2],
    [3 * SIZE, 3],
  ])('a stream of %i bytes makes %i part(s), the manifest last', async (length, count) => {
    const data = randomBytes(length);
    const result = await put(target(), `${dir}/s.bin`, chunked(data), { partSize: SIZE, parallel: 2, spoolDir: spoolDir(), memoryLimit: SIZE });
    const parts = result.parts!;
    expect(parts.parts.map((p) => p.name)).toEqual(Array.from({ length: count }, (_, i) => `s.bin.${String(i).padStart(6, '0')}`));
    expect(globbed('s.bin').equals(data)).toBe(true);
    expect(execFileSync('sha256sum', ['-c', '--strict', 's.bin.sha256'], { cwd: dir, encoding: 'utf8' })).toContain(': OK');
    const manifest = parseManifest(readFileSync(join(dir, 's.bin.sha256'), 'utf8'), 's.bin');
    expect(manifest).toMatchObject({ size: BigInt(length), partSize: BigInt(SIZE), sha256: createHash('sha256').update(data).digest('hex') });
    expect(manifest.parts.map((p) => p.size)).toEqual(parts.parts.map((p) => p.size));
    expect(readdirSync(dir).sort()).toEqual([...parts.parts.map((p) => p.name), 's.bin.sha256'].sort());
  });
});
