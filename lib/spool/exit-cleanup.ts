// Last-resort removal of spool files that could not be unlinked while open
// (Windows): one shared, synchronous process 'exit' listener runs the
// registered removals, installed while at least one is registered and
// removed when none is left, so that many spools never pile up listeners.

const pending = new Set<() => void>();
let installed = false;

function runAllNow(): void {
  for (const remove of pending) {
    try {
      remove();
    } catch {
      // nothing more we can do while exiting
    }
  }
  pending.clear();
  process.removeListener('exit', runAllNow);
  installed = false;
}

/** Runs `removeSync` when the process exits, unless cancelled first. */
export function removeAtExit(removeSync: () => void): void {
  pending.add(removeSync);
  if (!installed) {
    process.on('exit', runAllNow);
    installed = true;
  }
}

/** Forgets a removal registered with removeAtExit (the file was removed some other way). */
export function cancelRemoveAtExit(removeSync: () => void): void {
  pending.delete(removeSync);
  if (pending.size === 0 && installed) {
    process.removeListener('exit', runAllNow);
    installed = false;
  }
}
