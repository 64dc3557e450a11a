// The SCP source role (upload to a remote `scp -t`), docs/protocol.md §4.1:
//   start()    wait for the sink's initial \0
//   sendFile() [T, reply,] C, reply, exactly `size` bytes, \0 (or \1), reply
//   finish()   EOF on the channel, then the remote exit status (§9)
// A \1 reply fails that one item and the session goes on (as OpenSSH's does);
// \2, a stray line, or a lost connection ends it. finish() throws the first
// failure, so a non-zero exit is never a success even if every ack was \0.
import { ScpipeError, abortError, withMessage } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { said, saidOf } from '../util/said';
import { noFirstReply } from './first-reply';
import type { ExitStatus, ScpChannel } from './channel';
import { encodeDirectory, encodeEnd, encodeFile, encodeTimes, encodeWarning, OK, type Times } from './records';
import { RemoteStderr } from './remote-stderr';
import { ReplyReader } from './reply-reader';
import { describeExit, explainLoss, remoteError } from './session-errors';
import { waitForExit } from './wait-exit';
import { writeBody } from './write-body';
import { bodyProblem } from './body-problem';
import { cutOff, cutShort, headerUnanswered, leftByRemote, untrusted } from './cut-short';
import { KeptProblems } from '../util/kept-problems';
import type { OutgoingFile, SourceOptions } from './source-types';

// What a reply answers, in a stall's message.
const STAGES: Record<string, string> = { start: 'the start', T: 'the times', C: 'the file', end: "the file's end", warn: "the file's end", D: 'the directory', E: "the directory's end" };

/** Drives a remote `scp -t` over a channel. */
export class ScpSource {
  private readonly replies: ReplyReader;
  private readonly stderr: RemoteStderr;
  private readonly failures = new KeptProblems();
  // An abort came while an E record's reply was awaited, after every file was confirmed (leaveDirectory()).
  private abortedAtEnd = false;

  constructor(private readonly channel: ScpChannel, private readonly opts: SourceOptions = {}) {
    this.replies = new ReplyReader(channel.stdout);
    this.stderr = new RemoteStderr(channel.stderr, opts.onStderrLine, !opts.trace); // held until the sink answers, but under -v
    channel.stdin.on('error', () => undefined); // surfaces through the reply reader
  }

  /** Waits for the sink's initial \0 (§4.1 step 1); any other reply is fatal. */
  async start(): Promise<void> {
    const bound = this.opts.firstReply;
    let late = false;
    const timer = bound && setTimeout(() => {
      late = true;
      this.channel.destroy();
    }, bound.ms);
    try {
      const reply = await this.reply('start');
      if (reply !== true) throw reply;
    } catch (err) {
      if (!late || this.opts.signal?.aborted) throw err;
      throw noFirstReply(bound!.command, bound!.ms, 'it started', err);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one file. Resolves true when the sink stored it, false when it
   * reported a problem with it (recorded; finish() will throw it).
   */
  async sendFile(file: OutgoingFile): Promise<boolean> {
    const header = encodeFile(file.mode, file.size, file.name); // validates before anything is sent
    if (file.times) {
      const t = await this.send(encodeTimes(file.times), 'T');
      if (t !== true) return this.fail(t);
    }
    // The sink makes the file before it answers: a loss or an abort now may leave it, empty (cut-short.ts).
    const c = await this.send(header, 'C').catch((err: unknown) => {
      const aborted = this.opts.signal?.aborted === true;
      throw headerUnanswered(aborted ? abortError(this.opts.signal) : err, file, aborted);
    });
    if (c !== true) return this.fail(c); // §4.1: after a \1 to C, send no data
    // From here on the remote file is open for writing: a failure leaves it cut short,
    // with at most the bytes handed to the channel (a piece not yet drained too).
    let handed = 0n;
    const outcome = await writeBody(this.channel.stdin, file.body, file.size, {
      excess: file.excess ?? 'error',
      maxPad: file.maxPad,
      peerGone: this.replies.gone,
      signal: this.opts.signal,
      onProgress: (n) => file.onProgress?.(n),
      onHanded: (n) => (handed = n),
    }).catch(async (err: unknown) => {
      // Aborted, for whatever reason (a signal, or another part of the run that failed): the file is open all the same.
      if (this.opts.signal?.aborted) throw cutShort(abortError(this.opts.signal), file, handed, true);
      throw cutShort(await explainLoss(err, 'data', this.untilExit(2000), this.stderr, this.channel.whyLost), file, handed);
    });
    const local = bodyProblem(file, outcome);
    if (local && !outcome.padded) {
      // EOF in the middle of the data: the remote scp -t gives up, keeping what it wrote.
      this.channel.stdin.end();
      await this.untilExit(2000).catch(() => undefined);
      this.channel.destroy();
      throw cutOff(local, file, outcome.sent);
    }
    const end = await this.send(local ? encodeWarning(said`${file.name}: ${saidOf(local)}`.wire) : OK, local ? 'warn' : 'end').catch((err: unknown) => {
      if (local) throw err;
      // Sent whole, never confirmed.
      if (this.opts.signal?.aborted) throw cutShort(abortError(this.opts.signal), file, outcome.sent, true);
      throw cutShort(err, file, outcome.sent);
    });
    // The remote heard of `name`; the user is told which local file it was.
    const shown = local && file.localPath !== undefined ? withMessage(local, `${escapeForTerminal(file.localPath)}: ${local.message}`, { cause: local }) : local;
    if (shown) this.fail(untrusted(shown, file, outcome));
    return end === true ? !local : this.fail(local ? end : leftByRemote(end, file, outcome.sent));
  }

  /**
   * Enters a directory (`-r`, §4.1 step 3): [T, reply,] D, reply. Resolves
   * false when the sink refused it: then send neither its entries nor its E.
   */
  async enterDirectory(name: string, mode: number, times?: Times): Promise<boolean> {
    const header = encodeDirectory(mode, name);
    if (times) {
      const t = await this.send(encodeTimes(times), 'T');
      if (t !== true) return this.fail(t);
    }
    const d = await this.send(header, 'D');
    return d === true ? true : this.fail(d);
  }

  /**
   * Leaves the current directory: E, reply. Every file in it was confirmed:
   * an abort while the reply is awaited comes after them, as one during
   * finish()'s wait, and a walk with nothing left to send is committed.
   */
  async leaveDirectory(): Promise<void> {
    const e = await this.send(encodeEnd(), 'E').catch((err: unknown) => {
      if (!this.opts.signal?.aborted) throw err;
      this.abortedAtEnd = true;
      return true as const;
    });
    if (e !== true) this.fail(e);
  }

  /**
   * Reports a local problem (unreadable file, not a regular file) with an
   * unsolicited `\1scp: <message>`; the sink counts it and does not reply
   * (§4.1 step 4). The session goes on; finish() will throw it.
   */
  reportLocalError(error: ScpipeError): void {
    this.opts.trace?.(`> \\1 ${error.message}`);
    this.channel.stdin.write(encodeWarning(saidOf(error).wire)); // the peer escapes it (docs/protocol.md §5.3)
    this.fail(error);
  }

  /**
   * Calls `onLost` once if the channel goes away while nothing is asked of
   * it (put spooling its input), with the loss said for `stage`; returns
   * the function that stops watching.
   */
  watchIdle(stage: string, onLost: (err: ScpipeError) => void): () => void {
    const gone = this.replies.gone;
    let watching = true;
    const fire = (): void => {
      void explainLoss(gone.reason, stage, this.untilExit(2000), this.stderr, this.channel.whyLost).then((err) => watching && onLost(err));
    };
    if (gone.aborted) fire();
    else gone.addEventListener('abort', fire, { once: true });
    return () => {
      watching = false;
      gone.removeEventListener('abort', fire);
    };
  }

  /** Problems so far (items that were not stored): the first 100 (onProblem is told of every one). */
  get problems(): readonly ScpipeError[] {
    return this.failures.items;
  }

  /**
   * Sends EOF and waits for the exit status; throws the first failure. Every
   * file was confirmed before an abort that comes during this wait: that is
   * the commit point (docs/library.md), so the abort ends the wait, not the call.
   */
  async finish(): Promise<ExitStatus> {
    this.channel.stdin.end();
    const committed = !this.opts.signal?.aborted || this.abortedAtEnd;
    let waited = true;
    // Owed by the remote too: a ForceCommand that runs on after scp (a sync on a hung mount) keeps it for ever.
    const exited = this.channel.stall?.wait("the remote's exit status");
    const status = await this.untilExit().finally(exited).catch((err: unknown) => {
      if (!committed || !this.opts.signal?.aborted) throw err;
      waited = false;
      return { code: null, signal: null };
    });
    this.opts.trace?.(waited ? `exit status ${status.code ?? status.signal ?? 'none'}` : 'aborted after the last confirmation: the exit status is not waited for');
    const first = this.failures.first;
    if (first) throw first;
    if (!waited) return status;
    const bad = describeExit(status, this.stderr.said(), undefined, this.channel.whyLost?.());
    this.stderr.release(bad);
    if (bad) throw bad;
    return status;
  }

  /** Tears the channel down (abort or fatal error). */
  destroy(): void {
    this.stderr.release();
    this.channel.destroy();
  }

  private async send(bytes: Buffer, what: string): Promise<true | ScpipeError> {
    this.opts.trace?.(`> ${what === 'end' ? '\\0 (end of data)' : escapeForTerminal(bytes.subarray(0, bytes.at(-1) === 0x0a ? -1 : undefined))}`);
    this.channel.stdin.write(bytes);
    return this.reply(what);
  }

  // Reads one reply: true for \0, a ScpipeError for \1 (returned) or for
  // \2 / stray text / a lost connection (thrown).
  private async reply(what: string): Promise<true | ScpipeError> {
    let r;
    const answered = this.channel.stall?.wait(`the remote's answer to ${STAGES[what] ?? what}`);
    try {
      r = await this.replies.next(this.opts.signal).finally(answered);
    } catch (err) {
      if (this.opts.signal?.aborted) {
        this.stderr.release();
        throw abortError(this.opts.signal);
      }
      if (what === 'end' && this.opts.ackEndsAtEof?.()) {
        this.opts.trace?.('< EOF instead of the ack after the data (libssh2): taken as \\0');
        return true;
      }
      throw await explainLoss(err, what, this.untilExit(2000), this.stderr, this.channel.whyLost);
    }
    this.stderr.release(); // the sink answered: what the remote says from now on is said as it comes
    if (r.kind === 'ok') {
      this.opts.trace?.('< \\0 (ok)');
      return true;
    }
    const err = remoteError(r.message);
    this.opts.trace?.(`< ${r.kind}: ${err.remoteMessage}`);
    if (r.kind === 'warning' && what !== 'start') return err;
    this.channel.destroy();
    throw err;
  }

  private fail(err: ScpipeError): false {
    this.failures.add(err);
    this.opts.onProblem?.(err);
    return false;
  }

  private untilExit(ms?: number): Promise<ExitStatus> {
    return waitForExit(this.channel.exit, this.opts.signal, ms);
  }
}
