// The SCP sink role (download from a remote `scp -f`), docs/protocol.md §4.2:
//   send \0; then per record: T → ack; C → check name, open, ack, exactly
//   `size` bytes, the source's status byte, finish, \0 or one \1; D → check,
//   enter, ack; E → leave, ack; \1 → note, no ack; \2 → fail.
//   EOF at a record boundary ends it; then the remote exit status decides.
// Bytes are pulled from the channel only as fast as the handler takes them,
// so a slow consumer slows the remote instead of filling our memory.
import { ScpipeError, abortError } from '../errors';
import { fromBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import { asSaid, said, Said } from '../util/said';
import type { ExitStatus, ScpChannel } from './channel';
import { checkIncomingName, topLevelRefusal } from './names';
import { encodeWarning, OK } from './records';
import { RemoteStderr } from './remote-stderr';
import { describeExit, remoteError, unreadRestError } from './session-errors';
import { SinkInput } from './sink-input';
import type { FileRecord, ReceivedTimes, SinkEvent, SinkHandler, SinkOptions, SourceRecord } from './sink-types';
import { describeRecord } from './record-parser';
import { waitForExit } from './wait-exit';
import { onAbort } from '../util/abort';

/** Drives a remote `scp -f` and stores what it sends through a SinkHandler. */
export class ScpSink {
  private readonly stderr: RemoteStderr;
  private readonly input: SinkInput;
  // Only the first is kept (thrown at the end); the rest are said as they come:
  // a hostile source can send `\1` lines without end (docs/protocol.md §8).
  private firstFailure: ScpipeError | undefined;
  private depth = 0;
  private times: ReceivedTimes | undefined;
  private topLevel = 0;
  // The last record handled whole (STAGES in session-errors.ts): a connection lost at a record boundary is said as after it.
  private stage = 'start';

  constructor(private readonly channel: ScpChannel, private readonly handler: SinkHandler, private readonly opts: SinkOptions) {
    this.stderr = new RemoteStderr(channel.stderr, opts.onStderrLine, !opts.trace); // held until the first record, but under -v
    this.input = new SinkInput(channel, this.stderr, opts, (message) => this.warn(message));
    channel.stdin.on('error', () => undefined); // a closed channel surfaces as EOF
  }

  /** Top-level entries received so far. */
  get entries(): number {
    return this.topLevel;
  }

  /** Runs the whole session; resolves with the exit status, or throws the first failure. */
  async run(): Promise<ExitStatus> {
    const unlink = onAbort(this.opts.signal, () => this.channel.destroy());
    this.input.listen();
    try {
      if (this.opts.signal?.aborted) throw abortError(this.opts.signal);
      this.send(OK, 'start'); // §4.2 step 1: the remote source waits for it
      for (;;) {
        const ev = await this.input.next(true);
        if (!ev) break; // EOF at a record boundary: the source is done
        if (ev.kind !== 'record') throw new ScpipeError('ERR_PROTOCOL', 'protocol error: unexpected data');
        if (await this.onRecord(ev.record)) break;
      }
      this.channel.stdin.end();
      // Owed by the remote: a wrapper that runs on after scp -f (a sync on a hung mount) keeps it for ever.
      const exited = this.channel.stall?.wait("the remote's exit status");
      const status = await waitForExit(this.channel.exit, this.opts.signal).finally(exited);
      this.opts.trace?.(`exit status ${status.code ?? status.signal ?? 'none'}`);
      if (this.firstFailure) throw this.firstFailure;
      // Only a lost connection says where: an exit status is the remote's own word, after whatever came.
      const lost = status.code === null && status.signal === null;
      const bad = describeExit(status, this.stderr.said(), lost ? this.stage : undefined, this.channel.whyLost?.());
      if (bad) throw bad;
      return status;
    } catch (err) {
      this.stderr.release(err);
      this.channel.destroy();
      if (this.opts.signal?.aborted) throw abortError(this.opts.signal);
      throw err;
    } finally {
      this.stderr.release();
      unlink();
      this.input.dispose();
      await this.handler.close?.();
    }
  }

  // Handles one record; true when the session is over (E at top level).
  private async onRecord(r: SourceRecord): Promise<boolean> {
    this.stderr.release(); // the source answered: what the remote says from now on is said as it comes
    this.opts.trace?.(`< ${describeRecord(r)}`);
    switch (r.type) {
      case 'warning':
        this.problem(remoteError(r.message));
        return false;
      case 'fatal':
        throw remoteError(r.message);
      case 'T':
        this.times = { mtime: r.mtime, mtimeUsec: r.mtimeUsec, atime: r.atime, atimeUsec: r.atimeUsec };
        this.send(OK, 'T ack');
        this.stage = 'T';
        return false;
      case 'E':
        this.stage = 'E';
        if (this.depth === 0) {
          this.send(OK, 'E ack');
          return true;
        }
        this.depth -= 1;
        await this.handler.leaveDirectory(this.depth);
        this.send(OK, 'E ack');
        return false;
      case 'D':
      case 'C': {
        const times = this.times;
        this.times = undefined;
        if (r.notUtf8 && r.nameBytes && this.opts.namesAsBytes) r = { ...r, name: fromBytes(r.nameBytes), notUtf8: undefined };
        if (r.notUtf8) {
          // Skipped, as OpenSSH's source skips an entry refused with \1
          // (for a D, its whole tree): the rest of the copy goes on.
          if (this.depth === 0) this.topLevel += 1;
          // The bytes as they are to the peer, which escapes what it prints (as to OpenSSH's own refusals).
          this.refuse(said`${r.nameBytes ? Said.bytes(r.nameBytes) : Said.plain(r.name)}: name is not valid UTF-8, skipped`);
          return false;
        }
        this.checkName(r.name);
        if (r.type === 'D') await this.onDirectory(r, times);
        else await this.onFile(r, times);
        return false;
      }
    }
  }

  private checkName(name: string): void {
    try {
      checkIncomingName(name);
    } catch (err) {
      this.warn(`error: unexpected filename: ${name}`, `error: unexpected filename: ${escapeForTerminal(name)}`);
      throw err;
    }
    if (this.depth > 0) return;
    this.topLevel += 1;
    const refused = topLevelRefusal(name, this.topLevel, this.opts);
    if (!refused) return;
    this.warn(refused.line);
    throw refused.error;
  }

  private async onDirectory(r: SourceRecord & { type: 'D' }, times: ReceivedTimes | undefined): Promise<void> {
    if (!this.opts.recursive) {
      this.warn('protocol error: received directory without -r');
      throw new ScpipeError('ERR_PROTOCOL', `the remote sent a directory "${escapeForTerminal(r.name)}" without -r`);
    }
    const refused = await this.handler.enterDirectory(r, times, this.depth);
    if (refused) return this.refuse(refused.error);
    this.depth += 1;
    this.send(OK, 'D ack'); // the start byte of the nested level (§4.2)
    this.stage = 'D';
  }

  private async onFile(r: FileRecord, times: ReceivedTimes | undefined): Promise<void> {
    const opened = await this.handler.openFile(r, times, this.depth);
    if ('error' in opened) return this.refuse(opened.error); // the source sends no data (§4.2)
    this.send(OK, 'C ack');
    this.input.beginData(r.size);
    let status: SinkEvent | undefined;
    try {
      for (let ev = await this.input.next(false); ; ev = await this.input.next(false)) {
        if (ev!.kind === 'data') await opened.write(ev!.chunk);
        else {
          status = ev;
          break;
        }
      }
    } catch (err) {
      await opened.abort();
      throw err;
    }
    const reply = (status as SinkEvent & { kind: 'status' }).reply;
    if (reply.kind === 'fatal' || reply.kind === 'unexpected') {
      await opened.abort();
      throw remoteError(reply.message);
    }
    const warning = reply.kind === 'warning' ? unreadRestError(reply.message) : undefined;
    if (warning) this.problem(warning);
    const sourceError = warning?.remoteMessage;
    const error = await opened.finish({ ok: !sourceError, sourceError });
    // Only where one file was asked for is the remote's end all that is owed after it.
    this.stage = this.depth > 0 ? 'receivedInDirectory' : this.opts.maxTopLevel === 1 ? 'received' : 'receivedOfSeveral';
    if (error) this.refuse(error);
    else this.send(OK, 'file done');
  }

  // Tells the source this item failed (one \1 per item, §3) and goes on.
  private refuse(message: string | Said): void {
    const m = asSaid(message);
    this.warn(m.wire, m.shown);
    this.problem(new ScpipeError('ERR_LOCAL_IO', m.shown));
  }

  private problem(err: ScpipeError): void {
    this.firstFailure ??= err;
    this.opts.onProblem?.(err);
  }

  private send(bytes: Buffer, what: string): void {
    this.opts.trace?.(`> \\0 (${what})`);
    this.channel.stdin.write(bytes);
  }

  // `\1scp: <message>` to the source, unescaped (it escapes what it prints);
  // `shown`, the message as -v shows it: the message itself where it names
  // nothing raw, so a name is not shown escaped twice.
  private warn(message: string, shown = message): void {
    this.opts.trace?.(`> \\x01scp: ${shown}`);
    this.channel.stdin.write(encodeWarning(message));
  }
}
