// What NODE_EXTRA_CA_CERTS costs every Node process on this machine. When it
// is set, Node reads and parses that bundle of certificates at start-up,
// before any of scpipe's code runs, whether or not a TLS connection is ever
// made (scpipe makes none): a cost on every scpipe run that OpenSSH's scp
// does not pay, and a large one for a 6-byte put (docs/performance.md §1).
// So the bench runs scpipe without it unless told otherwise (--extra-ca
// keep), and says which in its header, with the cost measured.
import { spawnSync } from 'child_process';
import { performance } from 'perf_hooks';

export const EXTRA_CA = 'NODE_EXTRA_CA_CERTS';
const RUNS = 7;

/** Median wall time of `node -e 0` in `env`, in ms. */
function nodeStartMs(env: NodeJS.ProcessEnv): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

/** The header's line on NODE_EXTRA_CA_CERTS: whether it is set, what it costs, and what the bench did. */
export function extraCaNote(keep: boolean): string {
  const file = process.env[EXTRA_CA];
  if (!file) return `${EXTRA_CA}: not set`;
  const { [EXTRA_CA]: _file, ...without } = process.env;
  const withMs = nodeStartMs(process.env);
  const withoutMs = nodeStartMs(without);
  return (
    `${EXTRA_CA}=${file} is set here: \`node -e 0\` takes ${withMs.toFixed(0)} ms with it, ${withoutMs.toFixed(0)} ms without ` +
    `(median of ${RUNS}); scpipe ran ${keep ? 'with it (--extra-ca keep)' : 'without it (--extra-ca keep to measure with it)'}`
  );
}
