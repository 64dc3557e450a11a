// Whether a build's launch.js would run its bundle. In a source tree
// (tsconfig.json beside dist/) launch.js falls back to the modules tsc
// emitted when cli/run.js is newer than scpipe.js (tsc ran after the bundle
// was made), and a copy of the tree made with `cp -r` gets new times in
// whatever order it copies: the same build then costs 0.2-0.4 CPU-s more a
// run, its start-up (docs/performance.md §1), which an A/B of builds would
// read as the change's.
import * as fs from 'fs';
import * as path from 'path';

/** Why the build of `cli` (its dist/cli/launch.js) would not run its bundle, or undefined. */
export function unbundledReason(cli: string): string | undefined {
  const dir = path.dirname(cli);
  const bundle = fs.statSync(path.join(dir, '..', 'scpipe.js'), { throwIfNoEntry: false });
  if (bundle === undefined) return `${cli}: there is no bundle (scpipe.js) beside its cli/: run \`npm run build\` there`;
  if (!fs.existsSync(path.join(dir, '..', '..', 'tsconfig.json'))) return undefined; // launch.js looks at times only there
  const entry = fs.statSync(path.join(dir, 'run.js'), { throwIfNoEntry: false });
  if (entry === undefined || entry.mtimeMs <= bundle.mtimeMs) return undefined;
  return `${cli}: its cli/run.js is newer than its scpipe.js, so it would run without its bundle and code cache ` +
    '(0.2-0.4 CPU-s more a run): run `npm run build` there, or copy a build with `cp -a`, which keeps the times';
}
