// How rssh splits a command line: glibc wordexp(3) with WRDE_NOCMD
// (docs/protocol.md §6), asked through python3 ctypes, many commands in one run.
import { execFileSync } from 'node:child_process';

const PY = `
import ctypes, json, sys
class W(ctypes.Structure):
    _fields_ = [("c", ctypes.c_size_t), ("v", ctypes.POINTER(ctypes.c_char_p)), ("o", ctypes.c_size_t)]
libc = ctypes.CDLL("libc.so.6")
out = []
for s in json.load(sys.stdin):
    w = W()
    if libc.wordexp(s.encode(), ctypes.byref(w), 4):
        out.append(None); continue
    out.append([w.v[i].decode() for i in range(w.c)])
    libc.wordfree(ctypes.byref(w))
json.dump(out, sys.stdout)
`;

/** The words of each command, or null where wordexp refuses it. */
export function wordexpAll(commands: string[], home = process.env.HOME ?? '/'): (string[] | null)[] {
  const env = { ...process.env, HOME: home };
  return JSON.parse(execFileSync('python3', ['-c', PY], { input: JSON.stringify(commands), encoding: 'utf8', env })) as (string[] | null)[];
}

