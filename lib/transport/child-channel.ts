// A ScpChannel over a local child process's pipes: how the roles talk to a
// real OpenSSH `scp -t`/`scp -f` without SSH (tests), and to the system `ssh`
// binary (the openssh transport).
import { spawn, type SpawnOptions } from 'node:child_process';
import type { ExitStatus, ScpChannel } from '../protocol/channel';
import { childEnv } from '../util/child-env';

/** Starts `command args...` (never with scpipe's secrets, util/child-env.ts) and exposes its stdio as a ScpChannel. */
export function spawnChannel(command: string, args: readonly string[], options: SpawnOptions = {}): ScpChannel {
  const child = spawn(command, args, { ...options, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  const exit = new Promise<ExitStatus>((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null })); // could not start it at all
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    stdout: child.stdout!,
    stdin: child.stdin!,
    stderr: child.stderr!,
    exit,
    destroy: () => {
      child.stdin?.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
