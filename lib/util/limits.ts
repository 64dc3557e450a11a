// What to tell a user whom a resource limit stopped, in one place: the
// messages name the limit and how far to raise it.

/** Said after "Too many open files" (EMFILE) wherever a descriptor was refused. */
export const OPEN_FILE_LIMIT_HINT = 'the open-file limit, `ulimit -n`, is too low: 64 is enough';

/** Said by serve's log where the server itself ran out of descriptors. */
export const SERVER_OPEN_FILE_HINT = 'the open-file limit of scpipe serve, `ulimit -n` (LimitNOFILE= in a systemd unit), is too low for the connections and files open at once';

/** Said after "Resource temporarily unavailable" (EAGAIN) where a thread or process was refused. */
const PROCESS_LIMIT_HINT =
  'the process limit, `ulimit -u`, counts this user\'s threads too and is too low: scpipe needs about 16, and one more per connection with --transport openssh';

// strerror(3)'s words for the errors a limit causes; Node's Worker says only "EAGAIN".
const REASONS: Record<string, string> = {
  EAGAIN: `Resource temporarily unavailable (${PROCESS_LIMIT_HINT})`,
  EMFILE: `Too many open files (${OPEN_FILE_LIMIT_HINT})`,
  ENFILE: 'Too many open files in system',
  ENOMEM: 'Cannot allocate memory',
};

/**
 * strerror's words for a file that could not be opened for want of a
 * descriptor, naming the open-file limit (EMFILE, this process's) or the
 * system's (ENFILE); undefined for any other error.
 */
export function outOfDescriptors(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE' ? REASONS[code] : undefined;
}

/** Why a thread or a child process could not be started, naming the limit where one did it. */
export function whyNotStarted(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && e.code.startsWith('E') && !e.code.startsWith('ERR_') ? e.code : String(e?.message ?? '').trim();
  return REASONS[code] ?? REASONS[initFailure(err) ?? ''] ?? String(e?.message ?? err);
}

// A Worker whose thread starts but cannot set itself up (no descriptor left
// for its event loop) fails later, by its 'error' event: "Worker
// initialization failure: EMFILE". Its errno, or undefined for any other error.
function initFailure(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code !== 'ERR_WORKER_INIT_FAILED') return undefined;
  return /\b(E[A-Z]+)$/.exec(String(e.message ?? ''))?.[1];
}

/** What a thread's 'error' event says: that it could not start (and why), or that it failed. */
export function threadFailure(what: string, err: Error): string {
  return initFailure(err) ? `cannot start ${what}: ${whyNotStarted(err)}` : `${what} failed: ${err.message}`;
}
