// A real OpenSSH `scp -t` or `sftp-server` behind a relay that holds one of its
// replies until the test lets it go: the moment a transfer is committed (the
// last ack, the rename's status, the exit status) is held open, so a signal
// lands on one side of it for certain. The relay runs as the remote account.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './async';

// What to hold: `ack N` the Nth \0 of scp -t, `exit` its exit (after every
// reply went out), `fexit` the exit of scp -f (a download), `fexit-closed`
// that exit with the relay's stdout and stderr closed first (the remote sent
// its end of data, then hangs without exiting), `fstart` the first byte
// of scp -f (its header or error: a look for a file), `rename` the SFTP
// status answering a rename, `remove` the one answering a remove, `close`
// the one answering a close (a download's last request); ` only=SUFFIX`:
// only for a target (of scp) or a rename naming one that ends so.
export type Hold = `${`ack ${number}` | 'exit' | 'rename' | 'remove'}${'' | ` only=${string}`}` | 'fexit' | 'fexit-closed' | 'fstart' | 'close' | 'none';

const SCRIPT = String.raw`#!/usr/bin/python3
import os, struct, subprocess, sys, threading, time
CTL = os.path.dirname(os.path.abspath(__file__)) + '/ctl'
NO_POSIX_RENAME = os.path.exists(os.path.dirname(os.path.abspath(__file__)) + '/no-posix-rename')
hold = open(CTL + '/hold').read().split()
only = hold.pop()[5:].encode() if hold[-1].startswith('only=') else b''
def held():
    open(CTL + '/held.%d' % os.getpid(), 'w').close()
    while not os.path.exists(CTL + '/release'): time.sleep(0.02)
def out(b): os.write(1, b)
if len(sys.argv) > 1:
    p = subprocess.Popen(['scp'] + sys.argv[1:], stdout=subprocess.PIPE)
    sink = any(a.startswith('-') and 't' in a for a in sys.argv[1:-1])
    closed = hold[0] == 'fexit-closed'
    fstart = hold[0] == 'fstart' and not sink
    if hold[0] in ('fexit', 'fexit-closed') and not sink: hold = ['exit']
    elif not sink or not sys.argv[-1].encode().endswith(only): hold = ['none']
    n, want = 0, int(hold[1]) if hold[0] == 'ack' else -1
    if fstart: held()
    while True:
        b = os.read(p.stdout.fileno(), 65536)
        if not b: break
        start = 0
        for i, c in enumerate(b):
            if c == 0:
                n += 1
                if n == want:
                    out(b[start:i]); held(); start = i
        out(b[start:])
    s = p.wait()
    if hold[0] == 'exit' and closed: os.close(1); os.close(2)
    if hold[0] == 'exit': held()
    sys.exit(s)
p = subprocess.Popen(['/usr/lib/openssh/sftp-server'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
renames, removes, closes = set(), set(), set()
def without_posix_rename(pk):
    out, i = pk[5:9], 9
    while i < len(pk):
        n = struct.unpack('>I', pk[i:i + 4])[0]; name = pk[i + 4:i + 4 + n]; i += 4 + n
        d = struct.unpack('>I', pk[i:i + 4])[0]; data = pk[i:i + 4 + d]; i += 4 + d
        if name != b'posix-rename@openssh.com': out += struct.pack('>I', n) + name + data
    return struct.pack('>IB', len(out) + 1, 2) + out
def packets(read):
    buf = b''
    while True:
        while len(buf) < 4 or len(buf) < 4 + struct.unpack('>I', buf[:4])[0]:
            b = read()
            if not b: return
            buf += b
        size = 4 + struct.unpack('>I', buf[:4])[0]
        yield buf[:size]; buf = buf[size:]
def requests():
    for pk in packets(lambda: os.read(0, 65536)):
        t = pk[4]
        if (t == 18 or (t == 200 and b'posix-rename@openssh.com' in pk[13:13 + 24])) and only in pk: renames.add(pk[5:9])
        if t == 13 and only in pk: removes.add(pk[5:9])
        if t == 4: closes.add(pk[5:9])
        p.stdin.write(pk); p.stdin.flush()
    p.stdin.close()
threading.Thread(target=requests, daemon=True).start()
for pk in packets(lambda: os.read(p.stdout.fileno(), 65536)):
    if hold[0] == 'rename' and pk[4] == 101 and pk[5:9] in renames: held()
    if hold[0] == 'remove' and pk[4] == 101 and pk[5:9] in removes: held()
    if hold[0] == 'close' and pk[4] == 101 and pk[5:9] in closes: held()
    if NO_POSIX_RENAME and pk[4] == 2: pk = without_posix_rename(pk)
    out(pk)
sys.exit(p.wait())
`;

/** The relay, written once for a test file; `path` is its --scp-path and its sftp subsystem. */
export interface HeldReplies {
  path: string;
  /** Sets what the next sessions hold, and forgets the last hold. */
  hold(what: Hold): Promise<void>;
  /** Waits until `count` relays (one a session) hold a reply. */
  held(count?: number): Promise<void>;
  /** Lets the held reply (and every later one) go. */
  release(): Promise<void>;
  /** Waits until every relay that held a reply has exited (let go or killed): hold() may then arm the next. */
  exited(): Promise<void>;
  remove(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Writes the relay into a directory of its own that every account may read (sync: sshdPerSuite needs the path at once);
 * `noPosixRename`: its sftp-server's VERSION offers no posix-rename@openssh.com (a server that has only v3's RENAME).
 */
export function heldReplies(opts: { noPosixRename?: boolean } = {}): HeldReplies {
  const dir = mkdtempSync(join(tmpdir(), 'scpipe-test-held-'));
  chmodSync(dir, 0o755);
  if (opts.noPosixRename) writeFileSync(join(dir, 'no-posix-rename'), '');
  const ctl = join(dir, 'ctl');
  mkdirSync(ctl, { mode: 0o777 });
  chmodSync(ctl, 0o777);
  const path = join(dir, 'relay.py');
  writeFileSync(path, SCRIPT, { mode: 0o755 });
  writeFileSync(join(ctl, 'hold'), 'none');
  return {
    path,
    hold: async (what) => {
      for (const name of await readdir(ctl)) if (name !== 'hold') await rm(join(ctl, name), { force: true });
      await writeFile(join(ctl, 'hold'), what);
    },
    held: (count = 1) => waitFor(() => readdirSync(ctl).filter((n) => n.startsWith('held.')).length >= count, `${count} repl(ies) held by the relay`, 30_000),
    release: () => writeFile(join(ctl, 'release'), ''),
    exited: () => {
      const pids = readdirSync(ctl).filter((n) => n.startsWith('held.')).map((n) => Number(n.slice('held.'.length)));
      return waitFor(() => pids.every((pid) => !alive(pid)), 'the relays that held have exited', 30_000);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
