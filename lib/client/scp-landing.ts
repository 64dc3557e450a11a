// Where a file sent to `scp -t DEST` lands, for messages about it. Only the
// remote scp knows whether DEST is a directory: with one source, the file
// (or tree) becomes DEST when it is not one and goes inside when it is.
// With several sources (-d) DEST must be a directory.

/** `names`: the file's name and the directories sent around it, outermost first. */
export function scpLanding(dest: string, names: readonly string[], intoDirectory: boolean): { path?: string; shown: string } {
  const inDir = (dir: string, rest: readonly string[]): string => (dir === '' || dir === '.' ? rest.join('/') : `${dir.replace(/\/+$/, '')}/${rest.join('/')}`);
  const inside = inDir(dest, names);
  // An empty DEST is the home directory; a trailing slash or `.` name one.
  if (intoDirectory || dest === '' || dest === '.' || dest.endsWith('/') || dest === '~') return { path: inside, shown: inside };
  const as = names.length === 1 ? dest : inDir(dest, names.slice(1));
  return { shown: `${as} (or ${inside}, if ${dest} was a directory)` };
}
