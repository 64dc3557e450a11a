// Whether a process of a PID runs on this host: for names and files that
// carry the PID of the serve that made them, to tell a live one's from a
// killed one's.

/** True when a process of `pid` runs here (EPERM: it does, as another user's). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
