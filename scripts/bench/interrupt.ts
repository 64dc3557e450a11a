// Ctrl-C or SIGTERM of the bench: clean up (the runs' processes, serve, the
// relay, sshd, the temporary files) and exit 130 or 143, starting no new run
// and reporting no error for what the signal cut short.

let signal: NodeJS.Signals | undefined;

/** True once Ctrl-C or SIGTERM came: the bench starts no further run. */
export const interrupted = (): boolean => signal !== undefined;

/** Runs `main`, then `cleanup`; on a failure, prints its message and exits 1; on a signal, cleans up and exits 130 or 143. */
export function runInterruptibly(main: () => Promise<void>, cleanup: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      signal = sig;
      console.error(`\n${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
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
