// OpenSSH's `targ + "/" + name` for a name known to have no `/`, without
// doubling the slash of `/` (or of a directory given as `dir/`). Not
// path.join: that would resolve a `..` the caller means to check.

/** `dir/name`; `/name` when `dir` is `/`. */
export function joinName(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
