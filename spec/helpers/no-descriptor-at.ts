// Out of descriptors exactly when the CLI reads one file: a preload (-r) takes
// every descriptor left just before an open, read or write of a path that
// contains SCPIPE_TEST_NO_FD_FOR, and gives them back once it has failed, so the
// kernel's own EMFILE meets that read and nothing else. With
// SCPIPE_TEST_NO_FD_WHILE set, only while that file exists (serve: the
// re-read at a login, not the start-up's).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HOOK = `
const fs = require('fs');
const fsp = fs.promises;
const want = process.env.SCPIPE_TEST_NO_FD_FOR;
const flag = process.env.SCPIPE_TEST_NO_FD_WHILE;
const openSync = fs.openSync;
const closeSync = fs.closeSync;
const matches = (p) => typeof p === 'string' && p.includes(want) && !(flag && !fs.existsSync(flag));
const take = (p) => {
  if (!matches(p)) return [];
  const held = [];
  for (;;) {
    try { held.push(openSync('/dev/null', 'r')); } catch { break; }
  }
  return held;
};
const give = (held) => { for (const fd of held) closeSync(fd); };
for (const [obj, name] of [[fs, 'readFileSync'], [fs, 'openSync']]) {
  const real = obj[name];
  obj[name] = function (p, ...rest) {
    const held = take(p);
    try { return real.call(this, p, ...rest); } finally { give(held); }
  };
}
// An asynchronous open runs on the thread pool, where a close queued before it
// (a socket's, a file's) could free a descriptor in between; so the kernel's
// EMFILE is taken from a synchronous open of the same path and flags, made
// while every descriptor is held, and the promise rejects with it.
const emfile = (p, flags) => {
  for (let attempt = 0; attempt < 100 && matches(p); attempt++) {
    const held = take(p);
    try {
      closeSync(openSync(p, flags));
      if (String(flags).includes('x')) fs.unlinkSync(p); // made by this try: the real open makes it
    } catch (err) {
      return err.code === 'EMFILE' ? err : undefined;
    } finally {
      give(held);
    }
  }
  return undefined;
};
const flagsOf = {
  readFile: () => 'r',
  writeFile: (rest) => (rest[1] && typeof rest[1] === 'object' && rest[1].flag) || 'w',
  open: (rest) => rest[0] ?? 'r',
};
for (const name of ['readFile', 'writeFile', 'open']) {
  const real = fsp[name];
  fsp[name] = function (p, ...rest) {
    const err = emfile(p, flagsOf[name](rest));
    return err ? Promise.reject(err) : real.call(this, p, ...rest);
  };
}
`;

/** The environment that runs the CLI (or serve) out of descriptors at `file`'s reads; the hook is written into `dir`. */
export function noDescriptorAt(dir: string, file: string, whileExists?: string): NodeJS.ProcessEnv {
  const hook = join(dir, 'no-descriptor-hook.js');
  writeFileSync(hook, HOOK);
  return { NODE_OPTIONS: `--require ${hook}`, SCPIPE_TEST_NO_FD_FOR: file, ...(whileExists === undefined ? {} : { SCPIPE_TEST_NO_FD_WHILE: whileExists }) };
}
