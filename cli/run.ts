// What the scpipe executable runs: the command line of this process. It is
// the entry point of the one-file bundle that cli/launch.ts loads.
import { runAndExit } from './main';

/**
 * What scripts/bundle.js sets on this module when it runs the bundle to save
 * V8's code cache: it is given ssh2's loader, so that ssh2's start-up code
 * (in the bundle, loaded once a connection is under way) is compiled and in
 * the cache too, not only the code that `put --help` runs.
 */
export interface CodeCacheRun {
  warmUp?: (loadSsh2: () => Promise<typeof import('ssh2')>) => void;
}

(module as CodeCacheRun).warmUp?.(() => import('ssh2'));

runAndExit(process.argv.slice(2));
