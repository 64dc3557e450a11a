// The login of a reconnection (a retry's), where ssh2's ready timeout is off
// because someone may be asked (a passphrase, a one-time code): a server that
// finished the key exchange and never answered the login (a hung PAM or
// LDAP) held the retry for as long as it stayed hung. The clock runs only
// while no question waits for the person, and starts again after an answer.

/** A timer for the login that stops while a question is asked. */
export class LoginBound {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private asking = 0;

  constructor(
    readonly ms: number,
    private readonly expired: () => void,
  ) {}

  /** The key exchange is done: the login's clock starts. */
  start(): void {
    this.running = true;
    this.arm();
  }

  /** The login ended (or the connection did). */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** `ask` as a prompt whose questions stop the clock until answered. */
  prompts<A extends unknown[], T>(ask: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
    return async (...args) => {
      this.asking++;
      clearTimeout(this.timer);
      try {
        return await ask(...args);
      } finally {
        this.asking--;
        this.arm();
      }
    };
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.running && this.asking === 0) this.timer = setTimeout(this.expired, this.ms);
  }
}
