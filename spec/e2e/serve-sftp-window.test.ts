// `scpipe serve`'s SFTP subsystem widens the client's send window to the
// link, as its scp sink does (up to SERVE_RECEIVE_WINDOW): OpenSSH's sftp keeps up to 64 writes of
// 255 KiB in flight, and ssh2's fixed 2 MiB window let only a few of them
// through per round trip. OpenSSH sends its INIT without waiting for the
// subsystem's reply, so the round trip is timed from serve's VERSION to the
// client's next request. Seen from the client: `sftp -vv` logs every window
// adjust it receives.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVE_RECEIVE_WINDOW } from '../../lib/server/server-channel';
import { startLatencyProxy, type Proxy } from '../helpers/latency-proxy';
import { runProgram } from '../helpers/run-program';
import { startServe, type TestServe } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const MiB = 1 << 20;
let serve: TestServe;
let proxy: Proxy;
const localDir = tempDirPerTest('scpipe-test-sftpwindow-');

beforeAll(async () => {
  serve = await startServe();
  proxy = await startLatencyProxy(serve.port, 30);
});
afterAll(async () => {
  await proxy?.close();
  await serve?.stop();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// `sftp -vv -b -` through the relay (ssh keeps the first Port: ours wins over sshArgs').
async function sftpThroughRelay(batch: string): Promise<{ status: number | null; adjusts: number[] }> {
  const run = await runProgram('sftp', ['-vv', '-o', `Port=${proxy.port}`, '-o', 'HostKeyAlias=[127.0.0.1]:' + serve.port, ...serve.sshArgs(), '-b', '-', '127.0.0.1'], `${batch}\n`);
  const adjusts = [...run.stderr.matchAll(/rcvd adjust (\d+)/g)].map((m) => Number(m[1]));
  return { status: run.status, adjusts };
}

describe('serve SFTP over a 30 ms round trip', () => {
  it('gives an OpenSSH sftp upload a window beyond ssh2\'s 2 MiB, and the bytes arrive whole', async () => {
    const local = localDir();
    const data = randomBytes(24 * MiB + 5);
    await writeFile(join(local, 'up.bin'), data);
    const r = await sftpThroughRelay(`put ${join(local, 'up.bin')} /up.bin`);
    expect(r.status).toBe(0);
    expect(sha(await readFile(join(serve.root, 'up.bin')))).toBe(sha(data));
    // ssh2 alone tops its 2 MiB window up by about 1 MiB at a time; the
    // widened window (round trip × 1 MiB/ms, up to SERVE_RECEIVE_WINDOW)
    // comes as one adjust of about 2 MiB more once the round trip is known.
    expect(Math.max(...r.adjusts)).toBeGreaterThan(1.5 * MiB);
    expect(Math.max(...r.adjusts)).toBeLessThanOrEqual(SERVE_RECEIVE_WINDOW);
    await rm(join(serve.root, 'up.bin'));
  }, 120_000);
});
