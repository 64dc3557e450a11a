// A terminal that hung up (the SSH session or terminal window scpipe ran in
// closed, while scpipe went on under setsid or disown) fails tcsetattr with
// EIO, and Node before 24 (nodejs/node#58200) then aborts at exit while
// restoring its stdio: a transfer that succeeded ended in SIGABRT or SIGSEGV
// and a native stack trace. Node skips a closed descriptor, so one that was
// a terminal at start and is none now (isatty fails on a hung-up terminal)
// is closed before the process exits.
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Arms the clean-up: call once at start, while the terminals are still there. */
export function closeHungUpStdioAtExit(): void {
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  if (terminals.length === 0) return;
  process.once('exit', () => {
    for (const fd of terminals) {
      if (isatty(fd)) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed: Node skips it too
      }
    }
  });
}
