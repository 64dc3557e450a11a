// Names of a parts set: NAME.000000, NAME.000001, ... and the manifest
// NAME.sha256. Six digits; past 899999 the suffix grows by two, a leading 9
// and one digit more (90000000 ... 98999999, then 9900000000 ...), as GNU
// split's suffixes do, so that a shell glob (NAME.[0-9]*), which sorts by
// bytes, still lists the parts in stream order.

import { NAME_MAX } from '../../protocol/name-max';
import { legacyTempStem, tempStem } from '../sftp-paths';

const WIDTH = 6;

/** The suffix of part `index` (0-based). */
export function partSuffix(index: number): string {
  let rest = index;
  let prefix = '';
  let width = WIDTH;
  for (;;) {
    const capacity = 9 * 10 ** (width - 1); // suffixes not starting with 9
    if (rest < capacity) return prefix + String(rest).padStart(width, '0');
    rest -= capacity;
    prefix += '9';
    width++;
  }
}

/** The file name of part `index` of the set `name`. */
export function partName(name: string, index: number): string {
  return `${name}.${partSuffix(index)}`;
}

/** The manifest's file name. */
export function manifestName(name: string): string {
  return `${name}.sha256`;
}

/** The index of a part name of set `name`, or undefined when it is not one. */
export function partIndex(name: string, file: string): number | undefined {
  if (!file.startsWith(`${name}.`)) return undefined;
  const suffix = file.slice(name.length + 1);
  const nines = /^9*/.exec(suffix)![0].length;
  if (!/^\d+$/.test(suffix) || suffix.length !== WIDTH + 2 * nines) return undefined;
  let base = 0;
  for (let level = 0; level < nines; level++) base += 9 * 10 ** (WIDTH - 1 + level);
  return base + Number(suffix.slice(nines));
}

/** True when `file` is a temporary name an SFTP upload gives a part or the manifest of set `name` (`.NAME.000003.scpipe-XXXXXX`). */
export function isSetTempName(file: string, name: string): boolean {
  const m = /^\.(.*)\.scpipe-[A-Za-z0-9]{6}$/.exec(file);
  if (m === null) return false;
  const stem = m[1]!;
  // A cut stem is the same for every part and the manifest, where it falls inside NAME.
  if (stem === tempStem(manifestName(name)) || stem === legacyTempStem(manifestName(name)) || partIndex(name, stem) !== undefined) return true;
  // A part's name cut to fit NAME_MAX (sftp-paths.ts tempStem): its index is cut off with it.
  if (Buffer.byteLength(file) !== NAME_MAX) return false;
  return `${name}.`.startsWith(stem) || (stem.startsWith(`${name}.`) && /^\d*$/.test(stem.slice(name.length + 1)));
}

/** The directory prefix (with its '/') and the last part of a remote path. */
export function splitRemote(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf('/');
  return { dir: path.slice(0, slash + 1), base: path.slice(slash + 1) };
}
