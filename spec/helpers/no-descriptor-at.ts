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
const take = (p) => {
  if (typeof p !== 'string' || !p.includes(want) || (flag && !fs.existsSync(flag))) return [];
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
for (const name of ['readFile', 'writeFile', 'open']) {
  const real = fsp[name];
  fsp[name] = function (p, ...rest) {
    const held = take(p);
    const done = real.call(this, p, ...rest);
    return done.finally(() => give(held));
  };
}
`;

/** The environment that runs the CLI (or serve) out of descriptors at `file`'s reads; the hook is written into `dir`. */
export function noDescriptorAt(dir: string, file: string, whileExists?: string): NodeJS.ProcessEnv {
  const hook = join(dir, 'no-descriptor-hook.js');
  writeFileSync(hook, HOOK);
  return { NODE_OPTIONS: `--require ${hook}`, SCPIPE_TEST_NO_FD_FOR: file, ...(whileExists === undefined ? {} : { SCPIPE_TEST_NO_FD_WHILE: whileExists }) };
}
