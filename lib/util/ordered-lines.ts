// Lines of tasks that run at once, said in the order the tasks began (as
// in-order-window.ts retires their reports), whatever order they end in:
// `-v` shows files in walk order, not in the order their round trips end.

/** One task's lines: held by say() until end() and every earlier task's end. */
export interface LineTurn {
  say(line: string): void;
  end(): void;
}

/** See the file comment. */
export class OrderedLines {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly out?: (line: string) => void) {}

  /** A task begins (call in start order); its end() must be called however it ends. */
  begin(): LineTurn {
    const held: string[] = [];
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.last = Promise.all([this.last, ended]).then(() => {
      for (const line of held.splice(0)) this.out?.(line);
    });
    return { say: (line) => (this.out ? held.push(line) : undefined), end };
  }
}
