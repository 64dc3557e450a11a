// Whether a build's launch.js would run its bundle. In a source tree a copy
// made with `cp -r` gets new times in whatever order it copies, and launch.js
// may then take cli/run.js for newer than scpipe.js: the same build costs
// 0.2-0.4 CPU-s more a run, its start-up (docs/performance.md §1), which an
// A/B of builds would read as the change's.
import * as fs from 'fs';
import * as path from 'path';
import { isStale } from '../../cli/launch';

/** Why the build of `cli` (its dist/cli/launch.js) would not run its bundle, or undefined. */
export function unbundledReason(cli: string): string | undefined {
  const dir = path.dirname(cli);
  if (!fs.existsSync(path.join(dir, '..', 'scpipe.js'))) return `${cli}: there is no bundle (scpipe.js) beside its cli/: run \`npm run build\` there`;
  if (!isStale(dir)) return undefined;
  return `${cli}: its cli/run.js is newer than its scpipe.js, so it would run without its bundle and code cache ` +
    '(0.2-0.4 CPU-s more a run): run `npm run build` there, or copy a build with `cp -a`, which keeps the times';
}
