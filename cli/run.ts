// What the scpipe executable runs: the command line of this process. It is
// the entry point of the one-file bundle that cli/launch.ts loads.
import { runAndExit } from './main';

runAndExit(process.argv.slice(2));
