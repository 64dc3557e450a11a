// Tasks that run at once but are retired in the order they were started
// (a reorder buffer): each task's promise resolves to what to do once it is
// retired, so reports come in start order whatever order the tasks end in.
// A task's failure is thrown at its turn, once every other task has ended
// (and those that succeeded meanwhile are reported).

/** See the file comment. */
export class InOrderWindow {
  private readonly tasks: Promise<() => void>[] = [];
  private readonly running = new Set<Promise<void>>(); // tasks not ended yet, retired or not

  /** Tasks started and not yet retired. */
  get size(): number {
    return this.tasks.length;
  }

  /** Adds a started task; its rejection is heard when it is retired, not as an unhandled rejection meanwhile. */
  add(task: Promise<() => void>): void {
    const ended = task.then(() => undefined, () => undefined);
    this.running.add(ended);
    void ended.then(() => this.running.delete(ended));
    this.tasks.push(task);
  }

  /** Tasks that have not ended yet. */
  get unfinished(): number {
    return this.running.size;
  }

  /** Resolves when one of the unfinished tasks ends (at once when none is). */
  async oneEnds(): Promise<void> {
    await Promise.race([...this.running, ...(this.running.size === 0 ? [undefined] : [])]);
  }

  /** Retires the oldest task: waits for it and runs its report. */
  async retireOne(): Promise<void> {
    const oldest = this.tasks.shift()!;
    let report: () => void;
    try {
      report = await oldest;
    } catch (err) {
      await this.abandon();
      throw err;
    }
    report();
  }

  /** Retires every task, in order. */
  async settle(): Promise<void> {
    while (this.tasks.length > 0) await this.retireOne();
  }

  /**
   * Lets the tasks left end, their failures unheard (the run already
   * failed); those that succeeded are reported all the same, in order (a
   * checksum file lists every file stored).
   */
  async abandon(): Promise<void> {
    for (const ended of await Promise.allSettled(this.tasks.splice(0))) {
      if (ended.status !== 'fulfilled') continue;
      try {
        ended.value();
      } catch {
        // A report that throws (a caller's callback): the run's own error is the one said.
      }
    }
  }
}
