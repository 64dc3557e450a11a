// serve's stop, as a daemon under systemd is expected to stop (sshd's
// listener exits, its sessions carry on): stop accepting, let the sessions
// running finish for at most --stop-timeout seconds, then cut the rest
// (RunningServer.close(), which logs each transfer cut). A second signal
// cuts at once. The default leaves systemd's TimeoutStopSec (90 s) time
// for the cut's own clean-up before its SIGKILL.
import type { RunningServer } from '../lib';

/** --stop-timeout's default, seconds. */
export const DEFAULT_STOP_TIMEOUT_S = 60;

const sessions = (n: number): string => `${n} ${n === 1 ? 'session' : 'sessions'}`;

/**
 * Drains `server` for at most `timeoutS`; `onCut` is handed what cuts the
 * wait short (a second signal), then undefined once the wait is over.
 */
export async function drainServer(server: RunningServer, timeoutS: number, say: (line: string) => void, onCut: (cut: ((name: string) => void) | undefined) => void): Promise<void> {
  const running = server.running();
  if (running === 0 || timeoutS === 0) return;
  say(`waiting up to ${timeoutS} s for ${sessions(running)} in progress; accepting nothing new (a second signal cuts them now)`);
  let cut!: (name: string) => void;
  const interrupted = new Promise<string>((resolve) => (cut = resolve));
  onCut(cut);
  const outcome = await Promise.race([server.drain(timeoutS * 1000), interrupted]);
  onCut(undefined);
  const left = server.running();
  if (left === 0) say('every session finished');
  else if (typeof outcome === 'string') say(`${outcome} again: cutting ${sessions(left)} still in progress`);
  else say(`${sessions(left)} still in progress after ${timeoutS} s: cut`);
}
