// Serve's checks against serve's own renames. The jail checks a path and the
// caller then uses it by name (Node has no openat()), so a request that swaps
// a directory for a symbolic link in between (a client's own SFTP rename,
// from another session) would lead the use outside the root. Requests that
// can put a symlink where a directory was (rename, posix-rename, hardlink,
// symlink), or a directory where a link was (SFTP mkdir: a link's `..` after
// that name then leads elsewhere) hold the lock alone; every check with the use after it holds it
// shared. Sections never wait for the network, and never nest (a shared
// request behind a waiting exclusive one would wait for ever).
/** A readers-writer lock, first come first served. */
export class NameLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: Array<{ exclusive: boolean; go: () => void }> = [];

  /** Waits for the lock; the function returned releases it (once). */
  async hold(exclusive = false): Promise<() => void> {
    if (this.waiting.length === 0 && this.free(exclusive)) this.take(exclusive);
    else await new Promise<void>((go) => this.waiting.push({ exclusive, go }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(exclusive);
    };
  }

  /** Runs `fn` holding the lock shared, or alone with `exclusive`. */
  async with<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    const release = await this.hold(exclusive);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private free(exclusive: boolean): boolean {
    return !this.writer && (!exclusive || this.readers === 0);
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.writer = true;
    else this.readers += 1;
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.writer = false;
    else this.readers -= 1;
    while (this.waiting.length > 0 && this.free(this.waiting[0]!.exclusive)) {
      const next = this.waiting.shift()!;
      this.take(next.exclusive);
      next.go();
    }
  }
}
