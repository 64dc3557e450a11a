// The manifest NAME.sha256 that completes a parts set. Its part lines are in
// sha256sum's format, so `sha256sum -c NAME.sha256` checks the parts with
// standard tools; its '#' lines (which sha256sum -c skips) carry what get
// needs. The last line, '# end', shows the manifest itself arrived whole.
//
//   # scpipe parts 1
//   # size 3145729
//   # part-size 1048576
//   # parts 4
//   # sha256 <hex of the whole stream>
//   # time 2026-12-03T23:00:00.000Z
//   <hex>  NAME.000000
//   ...
//   # end
import { NAME_MAX } from '../../protocol/name-max';
import { sumAt } from './digests';
import { partName } from './names';

export const MANIFEST_VERSION = 1;

/**
 * The most parts a set may have: put stops a stream at the first part past
 * it, get refuses a manifest listing more. get holds 32 bytes a part (its
 * SHA-256) while it restores, 128 MiB at most; 2 TB in 1 MiB parts is 2M.
 */
export const MAX_PARTS = 4 * 1024 * 1024;

/**
 * The largest manifest get reads: that of MAX_PARTS parts of the longest
 * names (~600 bytes a part), and room for an admin's notes. A server's file
 * larger than that is no manifest put wrote, and is not read for hours.
 */
export const MAX_MANIFEST_BYTES = MAX_PARTS * (2 * NAME_MAX + 100) + 64 * 1024 * 1024;

/** One part: its file name, size and SHA-256 (hex). */
export interface PartEntry {
  name: string;
  size: bigint;
  sha256: string;
}

/** What a manifest says. */
export interface Manifest {
  version: number;
  /** The set's name (NAME, without the suffixes). */
  name: string;
  size: bigint;
  partSize: bigint;
  /** SHA-256 (hex) of the whole stream. */
  sha256: string;
  /** When the set was completed (ISO 8601). */
  time: string;
  parts: PartEntry[];
}

/** The manifest's text. */
export function formatManifest(m: Manifest): string {
  return Buffer.concat([...manifestPieces(m, partsOf(m))]).toString('utf8');
}

/** The manifest's text in pieces of some 64 KiB: one of millions of parts is no single string (V8 caps those at 512 MiB). */
export function* manifestPieces(head: Omit<Manifest, 'parts'>, parts: PartList): Generator<Buffer> {
  let text = [
    `# scpipe parts ${head.version}`,
    `# size ${head.size}`,
    `# part-size ${head.partSize}`,
    `# parts ${parts.count}`,
    `# sha256 ${head.sha256}`,
    `# time ${head.time}`,
    '',
  ].join('\n');
  for (let index = 0; index < parts.count; index++) {
    const p = parts.at(index);
    // sha256sum checks the second; the size is get's (a comment sha256sum skips).
    text += `# part ${p.name} ${p.size}\n${p.sha256}  ${p.name}\n`;
    if (text.length >= 64 * 1024) {
      yield Buffer.from(text);
      text = '';
    }
  }
  yield Buffer.from(`${text}# end\n`);
}

/** The parts of a manifest one at a time, without a list of them all (get of a set of millions). */
export interface PartList {
  count: number;
  at(index: number): PartEntry;
}

const TABLE = Symbol('parts table');

/**
 * A manifest whose parts are read one at a time: `parts`, a list of them
 * all, is made on first use only (a library caller's); scpipe reads them
 * through partsOf(), so a set of millions takes no object per part.
 */
export function manifestOf(head: Omit<Manifest, 'parts'>, table: PartList): Manifest {
  const manifest = { ...head } as Manifest;
  lazyList(manifest, 'parts', () => Array.from({ length: table.count }, (_, i) => table.at(i)));
  // Once a caller has the list (and may have edited it, as before it was made lazily), it is the parts.
  Object.defineProperty(manifest, TABLE, { get: () => (Object.getOwnPropertyDescriptor(manifest, 'parts')?.get ? table : undefined) });
  return manifest;
}

/**
 * Gives `object[key]` a list made when first read, which then is a plain
 * property again, as it was before the list was made lazily: code written
 * for that may set it, delete it or edit the list, and what it made counts.
 */
export function lazyList<T extends object, K extends keyof T>(object: T, key: K, make: () => T[K]): void {
  const settle = (value: T[K]): T[K] => {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(object, key, { enumerable: true, configurable: true, get: () => settle(make()), set: settle });
}

/** The parts as ManifestReader keeps them: 32 bytes a part (its SHA-256), the names and sizes following from the index. */
export function digestTable(name: string, partSize: bigint, count: number, lastSize: bigint, digests: Buffer): PartList {
  return {
    count,
    at: (index) => ({ name: partName(name, index), size: index === count - 1 ? lastSize : partSize, sha256: sumAt(digests, index) }),
  };
}

/** The parts of `m`, read one at a time. */
export function partsOf(m: Manifest): PartList {
  return (m as Manifest & { [TABLE]?: PartList })[TABLE] ?? { count: m.parts.length, at: (index) => m.parts[index]! };
}
