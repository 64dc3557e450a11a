// --append-only: which owner records are on disk, by name, with the login
// each names, and how many each login holds; kept in memory so that the
// caps (all records, one key's) cost no scan of the state directory.
export class RecordCounts {
  private readonly names = new Map<string, string>();
  private readonly perLogin = new Map<string, number>();

  /** Records counted. */
  get size(): number {
    return this.names.size;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The login the record `name` was counted under, if it is. */
  loginOf(name: string): string | undefined {
    return this.names.get(name);
  }

  /** The records `name` of those counted, for a sweep that may drop some meanwhile. */
  list(): string[] {
    return [...this.names.keys()];
  }

  /** Records held by `login` (the uploads in progress of one key). */
  heldBy(login: string): number {
    return this.perLogin.get(login) ?? 0;
  }

  /** Counts the record `name` under `login`; one of the same name counted before moves to it. */
  add(name: string, login: string): void {
    this.drop(name);
    this.names.set(name, login);
    this.perLogin.set(login, this.heldBy(login) + 1);
  }

  drop(name: string): void {
    const login = this.names.get(name);
    if (login === undefined) return;
    this.names.delete(name);
    const left = this.heldBy(login) - 1;
    if (left > 0) this.perLogin.set(login, left);
    else this.perLogin.delete(login);
  }
}
