// What reached 'uncaughtException' while `run` ran and for `settleMs` after
// it (a timer armed by mistake fires then): a test expects none.
export async function uncaughtDuring(run: () => Promise<void>, settleMs: number): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const note = (err: unknown): void => void uncaught.push(err);
  process.on('uncaughtException', note);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    process.off('uncaughtException', note);
  }
  return uncaught;
}
