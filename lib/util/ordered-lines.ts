// Lines of tasks that run at once, said in the order the tasks began (as
// in-order-window.ts retires their reports), whatever order they end in:
// `-v` shows files in walk order, not in the order their round trips end.
// Why not the window's retire actions: it retires a task only when the walk
// needs room or settles (a fatal error is thrown there), so -v would lag up
// to 16 files; the lines come from the SFTP writer, behind the SourceSession
// an ScpSource also is (it has no turns); and a problem the walker reports
// (a refused name) is no task of the window.

/** One task's lines: held by say() until end() and every earlier task's end. */
export interface LineTurn {
  say(line: string): void;
  /** Runs `action` in the task's turn, with or without an output (a failure's report). */
  later(action: () => void): void;
  end(): void;
}

/** See the file comment. */
export class OrderedLines {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly out?: (line: string) => void) {}

  /** A task begins (call in start order); its end() must be called however it ends. */
  begin(): LineTurn {
    const held: (() => void)[] = [];
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.last = Promise.all([this.last, ended]).then(() => {
      for (const action of held.splice(0)) action();
    });
    const out = this.out;
    return { say: (line) => (out ? held.push(() => out(line)) : undefined), later: (action) => held.push(action), end };
  }

  /** Settles once every task begun so far has ended and had its turn. */
  said(): Promise<void> {
    return this.last;
  }
}
