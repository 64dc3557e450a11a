// OpenSSH's clients uploading to `scpipe serve` slowly enough that their
// files are in flight when a test stops or kills the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './async';
import type { TestServe } from './serve';

/**
 * The exit status, or the signal that ended `child`: OpenSSH's sftp dies of
 * SIGPIPE writing its next request to the ssh that a disconnect ended.
 */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  const ended = child.exitCode ?? child.signalCode;
  return new Promise((resolve) => (ended !== null ? resolve(ended) : child.once('exit', (code, signal) => resolve(code ?? signal))));
}

export interface SlowClient {
  child: ChildProcess;
  stderr: () => string;
}

/** An OpenSSH client at 8 Mbit/s at most uploading `source` to `target`; added to `clients` (for the test to kill after). */
export function slowUpload(s: TestServe, how: 'scp -O' | 'scp' | 'sftp', source: string, target: string, clients: ChildProcess[]): SlowClient {
  const args = how === 'sftp' ? ['-l', '8000', ...s.sshArgs(), '-b', '-', '127.0.0.1'] : [...(how === 'scp -O' ? ['-O'] : []), '-l', '8000', ...s.sshArgs(), source, `127.0.0.1:${target}`];
  const child = spawn(how === 'sftp' ? 'sftp' : 'scp', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  clients.push(child);
  child.stdin!.end(how === 'sftp' ? `put ${source} ${target}\n` : '');
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

/** Three uploads of `size` bytes under way, one per client: `scp -O` to /scp-O.bin, `scp` to /scp.bin, `sftp` to /sftp.bin. */
export async function threeUploads(s: TestServe, size: number, clients: ChildProcess[]): Promise<{ clients: SlowClient[]; data: Buffer }> {
  const data = Buffer.alloc(size, 7);
  const big = join(s.dir, 'big');
  await writeFile(big, data);
  const list = [slowUpload(s, 'scp -O', big, '/scp-O.bin', clients), slowUpload(s, 'scp', big, '/scp.bin', clients), slowUpload(s, 'sftp', big, '/sftp.bin', clients)];
  await waitFor(() => (s.log().match(/Accepted publickey/g) ?? []).length === 3, 'three logins');
  await waitFor(async () => (await readdir(s.root)).length === 3, 'three uploads under way');
  return { clients: list, data };
}
