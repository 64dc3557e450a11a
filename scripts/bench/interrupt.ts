// Ctrl-C or SIGTERM of the bench: clean up (the runs' processes, serve, the
// relay, sshd, the temporary files) and exit 130 or 143, starting no new run
// and reporting no error for what the signal cut short. A second signal does
// not cut the clean-up short (it once killed the bench mid-way, leaving sshd,
// the relay and the temporary files); a third leaves at once, naming what is left.

let signal: NodeJS.Signals | undefined;

/** True once Ctrl-C or SIGTERM came: the bench starts no further run. */
export const interrupted = (): boolean => signal !== undefined;

/** What the clean-up has still to remove, one line each (empty once done). */
export type LeftBehind = () => string[];

/**
 * Runs `main`, then `cleanup`; on a failure, prints its message, cleans up
 * and exits 1; on a signal, cleans up and exits 130 or 143.
 */
export function runInterruptibly(main: () => Promise<void>, cleanup: () => Promise<void>, leftBehind: LeftBehind = () => []): void {
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    const status = (signal ?? sig) === 'SIGINT' ? 130 : 143;
    if (signals === 1) {
      signal = sig;
      console.error(`\n${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(status));
      return;
    }
    const left = leftBehind();
    if (signals === 2) {
      console.error(`${sig}: still cleaning up${left.length ? ` (left: ${left.join('; ')})` : ''}; once more to stop now and leave that behind`);
      return;
    }
    console.error(left.length ? `${sig}: stopped before the clean-up ended; left behind:\n${left.map((l) => `  ${l}`).join('\n')}` : `${sig}: stopped; nothing was left behind`);
    process.exit(status);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, onSignal);
  main().then(
    () => (interrupted() ? undefined : cleanup()),
    async (err: unknown) => {
      // A Ctrl-C also kills what was running (the prewarm's child shares the
      // terminal's process group): that failure is no error of the bench's. A
      // signal that came during a synchronous step (spawnSync) is handled in
      // the event loop's next poll phase, which the second setImmediate() follows.
      for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
      if (interrupted()) return;
      console.error(`bench: ERROR: ${err instanceof Error ? err.message : String(err)}`);
      await cleanup();
      process.exit(1);
    },
  );
}
