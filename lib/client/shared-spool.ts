// The one spool of put to several targets (put-many.ts): every target that
// goes over SCP with a single file replays the same spool, fed once from its
// own branch of the tee, so two scp-only hosts take the spool disk once, not
// twice. The branch is not read before the first target chooses SCP (the
// protocol is chosen after connecting), and is closed once every target has
// chosen something else, so a run whose targets all speak SFTP spools
// nothing. The spool is aborted or disposed once no target uses it and none
// may still choose SCP; until then a target that failed does not stop it.
import { abortError } from '../errors';
import { spool, type Spill, type Spool, type SpoolOptions } from '../spool';
import { onAbort, ownController } from '../util/abort';

/** What one SCP target is told while the shared spool is fed. */
export interface SpoolUser {
  onProgress?: (bytes: bigint) => void;
  onSpill?: (spill: Spill) => void;
  /** Its own stop: it lets the spool go; the spool goes on for the others. */
  signal?: AbortSignal;
}

/** Target i's view of the shared spool. */
export interface SharedSpoolSeat {
  /** Target i chose `scp` (it will take the spool) or not; it reads its own branch no more when SCP. */
  chose(protocol: 'scp' | 'sftp'): void;
  /** The whole spool, fed from the shared branch; rejects with the spool's own failure, or `user.signal`'s abort. */
  take(user: SpoolUser): Promise<Spool>;
  /** Target i has ended (or no longer replays): the spool may go once no one needs it. */
  done(): void;
}

type State = 'undecided' | 'scp' | 'gone';

/** One spool for the SCP targets of a putMany() run; see the file comment. */
export class SharedSpool {
  private readonly state: State[];
  private readonly users = new Set<SpoolUser>();
  private readonly controller = ownController();
  private feeding: Promise<Spool> | undefined;
  private bytes: bigint | undefined;
  private disposed = false;

  /**
   * `seats[i]` is true for a target that may use it (no --size, no parts);
   * `branch` is the tee's branch of its own, `closeBranch` lets it go;
   * `optionsOf(i)` are the spool options of the first target to choose SCP.
   */
  constructor(
    seats: readonly boolean[],
    private readonly branch: AsyncIterable<Uint8Array>,
    private readonly closeBranch: () => void,
    private readonly optionsOf: (i: number) => Pick<SpoolOptions, 'memoryLimit' | 'spoolDir' | 'memoryDir'>,
    private readonly closeOwn: (i: number) => void,
  ) {
    this.state = seats.map((seat) => (seat ? 'undecided' : 'gone'));
    this.settle();
  }

  seat(i: number): SharedSpoolSeat | undefined {
    if (this.state[i] === 'gone') return undefined;
    return {
      chose: (protocol) => {
        if (this.state[i] !== 'undecided') return;
        this.state[i] = protocol === 'scp' ? 'scp' : 'gone';
        if (protocol === 'scp') {
          this.closeOwn(i); // its replays come from the spool: its branch must not hold the others back
          this.start(i);
        }
        this.settle();
      },
      take: (user) => this.take(user),
      done: () => {
        this.state[i] = 'gone';
        this.settle();
      },
    };
  }

  /** Waits for the spool to be fed to its end or stopped, and removes it. */
  async dispose(): Promise<void> {
    this.state.fill('gone');
    this.settle();
    await this.feeding?.then((s) => s.dispose(), () => undefined);
  }

  private start(i: number): void {
    if (this.feeding !== undefined || this.disposed) return;
    this.feeding = spool(this.branch, {
      ...this.optionsOf(i),
      signal: this.controller.signal,
      onSpill: (spill) => {
        for (const user of this.users) user.onSpill?.(spill);
      },
      onProgress: (bytes) => {
        this.bytes = bytes;
        for (const user of this.users) user.onProgress?.(bytes);
      },
    });
    this.feeding.catch(() => undefined); // each taker hears of it; with none, no one needs to
  }

  private async take(user: SpoolUser): Promise<Spool> {
    if (this.feeding === undefined) throw new Error('the shared spool was taken before SCP was chosen');
    this.users.add(user);
    if (this.bytes !== undefined) user.onProgress?.(this.bytes);
    let unlisten = (): void => undefined;
    const stopped = new Promise<never>((_, reject) => {
      if (user.signal?.aborted) reject(abortError(user.signal));
      unlisten = onAbort(user.signal, () => reject(abortError(user.signal)));
    });
    try {
      return await Promise.race([this.feeding, stopped]);
    } finally {
      unlisten();
      this.users.delete(user);
    }
  }

  // Once no target uses the spool or may still choose SCP: the branch no
  // longer holds the tee, and the spool is stopped or removed.
  private settle(): void {
    if (this.disposed || this.state.some((s) => s !== 'gone')) return;
    this.disposed = true;
    // Also while the spool waits for the input's next chunk: that wait holds its branch open.
    this.closeBranch();
    if (this.feeding === undefined) return;
    this.controller.abort(new Error('no target needs the spool'));
    void this.feeding.then((s) => s.dispose(), () => undefined);
  }
}
