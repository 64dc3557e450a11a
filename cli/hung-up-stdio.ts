// A terminal that hung up (the SSH session or terminal window scpipe ran in
// closed, while scpipe went on under setsid or disown) fails tcsetattr with
// EIO, and Node before 24 (nodejs/node#58200) then aborts at exit while
// restoring its stdio: a transfer that succeeded ended in SIGABRT or SIGSEGV
// and a native stack trace. Node skips a closed descriptor, so each that is
// a character device but no terminal at exit (isatty fails on a hung-up
// terminal) is closed first. Node noted its terminals at its own start,
// before scpipe's code loaded: one that hung up in between is found too.
// Closing one that never was a terminal (/dev/null) loses nothing, as Node
// writes character devices synchronously.
import { closeSync, fstatSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Arms the clean-up: call once at start. */
export function closeHungUpStdioAtExit(): void {
  process.once('exit', () => {
    for (const fd of [0, 1, 2]) {
      try {
        if (fstatSync(fd).isCharacterDevice() && !isatty(fd)) closeSync(fd);
      } catch {
        // already closed: Node skips it too
      }
    }
  });
}
