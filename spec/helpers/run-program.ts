// Runs a program (OpenSSH's scp, sftp, ssh) to completion with some input,
// killed after 30 s (or as asked) so a hang fails the test instead of stalling the suite.
import { spawn } from 'node:child_process';

export interface ProgramRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Where and how long: the environment (default this process's), the kill timer (default 30 s). */
export interface ProgramOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function runProgram(cmd: string, args: string[], input = '', opts: ProgramOptions = {}): Promise<ProgramRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8'); // a character split between two reads stays whole
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the program may exit without reading it (EPIPE)
    child.stdin.end(input);
  });
}
