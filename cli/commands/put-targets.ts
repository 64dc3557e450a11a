// put's several targets each get the whole stream at the same time: two that
// name one remote file would write it twice at once, and the last rename wins.
import { posix } from 'node:path';
import { ScpipeError, escapeForTerminal, parseRemoteSpec } from '../../lib';

// The file a target names as typed: host case, `~/`, `./` and doubled slashes do not make another.
function sameFileKey(target: string): string | undefined {
  const spec = parseRemoteSpec(target);
  if (!spec) return undefined;
  const path = spec.path.replace(/^~(\/|$)/, '');
  const normal = path === '' ? '' : posix.normalize(path).replace(/^\.\/?/, '');
  return JSON.stringify([spec.user ?? null, spec.host.toLowerCase(), spec.port ?? null, normal]);
}

/** Refuses a target given twice (exit 2, before anything runs or connects). */
export function refuseRepeatedTargets(targets: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const target of targets) {
    const key = sameFileKey(target);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first !== undefined) {
      const same = first === target ? `"${escapeForTerminal(target)}" is given twice` : `"${escapeForTerminal(first)}" and "${escapeForTerminal(target)}" name the same remote file`;
      throw new ScpipeError('ERR_USAGE', `${same}: each target gets the whole stream at once, so give each file once`);
    }
    seen.set(key, target);
  }
}
