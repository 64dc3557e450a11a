// Plays a kernel or file system without O_TMPFILE: the open of an unnamed
// spool file fails, by default with EOPNOTSUPP (what NFS or FUSE answer),
// so the spool takes its named-file path. Undone by jest.restoreAllMocks().
import fs = require('node:fs');
import { UNNAMED_FILE_FLAGS } from '../../lib/spool/unnamed-file';

/**
 * Makes the open of an unnamed file fail with `code` until the mocks are
 * restored; returns how many opens it refused.
 */
export function withoutUnnamedFiles(code = 'EOPNOTSUPP'): { refused: () => number } {
  let refused = 0;
  const realOpen = fs.open;
  jest.spyOn(fs, 'open').mockImplementation(((...args: unknown[]) => {
    if (args[1] === UNNAMED_FILE_FLAGS) {
      refused++;
      const callback = args[args.length - 1] as (err: NodeJS.ErrnoException) => void;
      const err = Object.assign(new Error(`${code}: open '${String(args[0])}'`), { code });
      process.nextTick(callback, err);
      return;
    }
    return (realOpen as (...a: unknown[]) => void)(...args);
  }) as typeof fs.open);
  return { refused: () => refused };
}
