// Which process holds a socket of /proc/net/unix: a name in Linux's
// abstract namespace is anyone's to bind, with any text in it, so the PID a
// name gives is only what it says.
import { readdir, readFile, readlink } from 'node:fs/promises';

/** A process and its uid. */
export interface Holder {
  pid: string;
  uid: string;
}

/**
 * The process that holds the socket of inode `inode`, the PID `named` looked
 * at first; undefined when none this user may look into holds it (root sees
 * every process, another user only its own).
 */
export async function holderOf(inode: string, named: string): Promise<Holder | undefined> {
  if (!/^\d+$/.test(inode)) return undefined;
  const socket = `socket:[${inode}]`;
  const others = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && p !== named);
  for (const pid of [named, ...others]) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) !== socket) continue;
      const status = await readFile(`/proc/${pid}/status`, 'latin1').catch(() => '');
      return { pid, uid: /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '?' };
    }
  }
  return undefined;
}

/** Who holds a mark that names PID `named`, for a message: that PID, or the process that holds it instead. */
export function holderSaid(named: string, holder: Holder | undefined): string {
  if (holder === undefined) return `PID ${named} by its name, which this user cannot check: \`ss -xlp\` run as root shows what holds it`;
  if (holder.pid === named) return `PID ${named}`;
  return `held by PID ${holder.pid} of uid ${holder.uid}, though its name gives PID ${named}: if that is no serve, it keeps this one from starting`;
}
