// `scpipe put host:path -- COMMAND [ARG...]`: the input is COMMAND's standard
// output, and it counts only if COMMAND exits 0. put takes the whole stream
// before it sends a byte (DESIGN.md "Why two passes"), so a producer that
// fails (btrfs send on a bad block, pg_dump losing its server) is caught
// before the remote file is touched. From a shell pipe scpipe would see only
// an early end of input, and store a truncated backup as a good one.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { ScpipeError, abortError } from '../lib';
import { BODY_CHUNK, byteArgs, childEnv, errnoCode, strerror } from '../lib/internal';
import { commandWord } from './paste-target';
import { descendantsOf } from './process-tree';

// How long stop() waits for the command to exit after SIGTERM.
const STOP_WAIT_MS = 2000;

// The signals that also stop scpipe (signals.ts): sent to the whole process
// group (Ctrl-C, systemctl stop), they reach us too, maybe after the command's end.
const OURS: readonly string[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// How long a command killed by one of OURS waits for scpipe's own handler:
// the signal is already pending, so one turn of the event loop suffices.
const SAME_SIGNAL_WAIT_MS = 50;

type Outcome = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/** A running input command: its output as put's input, checked at its end. */
export class InputCommand {
  /** The command's stdout; after its last byte, fails unless the command exited 0. */
  readonly input: AsyncIterable<Uint8Array>;
  private readonly child: ChildProcess;
  private readonly outcome: Promise<Outcome>;
  private readonly shown: string;
  /** The error the input failed with, once the command failed. */
  failure: ScpipeError | undefined;

  /**
   * Starts `argv` (no shell: `bash -o pipefail -c '...'` runs a pipeline)
   * with scpipe's stdin and stderr, its stdout piped to us. `signal` is the
   * run's: a command killed by the signal that also stops scpipe is an
   * interruption, not a failed command.
   */
  constructor(argv: readonly string[], private readonly signal?: AbortSignal) {
    const [file, ...args] = argv;
    if (file === undefined || file === '') throw new ScpipeError('ERR_USAGE', 'nothing to run after --');
    this.shown = argv.map(commandWord).join(' ').slice(0, 200);
    // Through /bin/sh where an argument holds bytes that are not UTF-8, which Node would send as U+FFFD.
    const [program, programArgs] = byteArgs(file, args);
    this.child = spawn(program, programArgs, { env: childEnv(), stdio: ['inherit', 'pipe', 'inherit'] });
    this.outcome = new Promise<Outcome>((resolve) => {
      this.child.once('error', (error) => resolve({ error }));
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    // Node resumes (drops) a child's unread stdout when the child exits, and
    // with --size put reads it only once connected: the PassThrough holds it.
    // pipeline() passes a read error on, where pipe() would leave it waiting.
    const held = new PassThrough({ highWaterMark: BODY_CHUNK });
    pipeline(this.child.stdout!, held, () => undefined);
    this.input = this.output(held);
  }

  private async *output(stdout: Readable): AsyncGenerator<Uint8Array> {
    // Iterated by hand: put leaving the loop early (a signal, a full remote
    // disk) must signal the command before its stdout closes (terminate()).
    const chunks = (stdout as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    let ended = false;
    try {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      ended = true;
    } finally {
      if (!ended) this.terminate();
      await chunks.return?.();
    }
    const outcome = await this.outcome;
    if (!('error' in outcome) && endedByOurs(outcome) && this.signal) {
      const signal = this.signal;
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, SAME_SIGNAL_WAIT_MS));
      if (signal.aborted) throw abortError(signal);
    }
    if ('error' in outcome) {
      this.failure = new ScpipeError('ERR_LOCAL_IO', `cannot run ${this.shown}: ${whySpawnFailed(outcome.error)}`, { cause: outcome.error });
    } else if (outcome.code !== 0) {
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with status ${outcome.code}`;
      this.failure = new ScpipeError('ERR_LOCAL_IO', `the input command ${how}: ${this.shown}`);
    }
    if (this.failure) throw this.failure;
  }

  /**
   * Ends the command if it still runs (SIGTERM to it and to the processes it
   * started; its stdout is closed, so a pipeline behind it gets SIGPIPE) and waits up to 2 s for it
   * to exit. For when put failed or was interrupted.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!this.terminate()) {
      child.stdout?.destroy();
      return;
    }
    // Closed after the signal, not before: its stdout is a socket, and a
    // write into one closed with data unread fails "Connection reset by
    // peer", which the command printed as if the network had failed.
    child.stdout?.destroy();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.outcome, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** SIGTERM to the command and the processes it started, if it still runs; false if it had ended. */
  private terminate(): boolean {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return false;
    // Its own children too, found before it exits and they are reparented out of reach.
    const below = descendantsOf(child.pid);
    child.kill('SIGTERM');
    for (const pid of below) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    return true;
  }
}

// Killed by one of OURS, or exited with the shell's status for one (128 + n:
// a trap's `exit 143`, a JVM's shutdown), which is as much its end by the signal.
function endedByOurs(outcome: { code: number | null; signal: NodeJS.Signals | null }): boolean {
  if (outcome.signal !== null) return OURS.includes(outcome.signal);
  return OURS.some((name) => outcome.code === 128 + osConstants.signals[name as NodeJS.Signals]);
}

// In a shell's words, not Node's ("spawn CMD ENOENT").
function whySpawnFailed(err: unknown): string {
  return errnoCode(err) === 'ENOENT' ? 'command not found' : strerror(err);
}
