// A ScpChannel over a local child process's pipes: how the roles talk to a
// real OpenSSH `scp -t`/`scp -f` without SSH (tests), and to the system `ssh`
// binary (the openssh transport).
import { spawn, type SpawnOptions } from 'node:child_process';
import type { ExitStatus, ScpChannel } from '../protocol/channel';
import { childEnv } from '../util/child-env';
import { byteArgs } from './byte-argv';

/** A ScpChannel over a child process. */
export interface ChildChannel extends ScpChannel {
  /** Why the program could not be started (fork refused by `ulimit -u`, no descriptors for its pipes); undefined once it runs. */
  readonly notStarted: Promise<Error | undefined>;
  /** Ends the child; true when it was still running (so its exit is ours). */
  destroy(): boolean;
}

/** Starts `command args...` (never with scpipe's secrets, util/child-env.ts) and exposes its stdio as a ScpChannel. */
export function spawnChannel(command: string, args: readonly string[], options: SpawnOptions = {}): ChildChannel {
  const [program, argv] = byteArgs(command, args);
  const child = spawn(program, argv, { ...options, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let started = false;
  const notStarted = new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => {
      started = true;
      resolve(undefined);
    });
    child.once('error', (err) => resolve(started ? undefined : err));
  });
  const exit = new Promise<ExitStatus>((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null })); // could not start it at all
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    notStarted,
    stdout: child.stdout!,
    stdin: child.stdin!,
    stderr: child.stderr!,
    exit,
    destroy: () => {
      child.stdin?.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return false;
      child.kill('SIGTERM');
      return true;
    },
  };
}
