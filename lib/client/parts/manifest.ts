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
import { ScpipeError } from '../../errors';
import { escapeForTerminal } from '../../util/escape';
import { partName } from './names';

export const MANIFEST_VERSION = 1;

/**
 * The largest manifest get reads, whole, into memory (some 600 bytes a part
 * once parsed). put stops a set before its manifest would pass it, so every
 * set put stores, get restores.
 */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** The most the manifest's lines other than the parts' can take, for set `name` of `partSize`. */
export function manifestHeadBytes(name: string, partSize: bigint): number {
  // The widest total size (20 digits) and time; parts: [] writes "0" for a count of up to 20 digits.
  const widest = formatManifest({ version: MANIFEST_VERSION, name, size: 2n ** 64n, partSize, sha256: '0'.repeat(64), time: new Date(8.64e15).toISOString(), parts: [] });
  return Buffer.byteLength(widest) + 20;
}

/** The bytes a part adds to the manifest: its `# part` line and its sum line. */
export function manifestPartBytes(file: string, size: bigint): number {
  return Buffer.byteLength(`# part ${file} ${size}\n${'0'.repeat(64)}  ${file}\n`);
}

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
  const lines = [
    `# scpipe parts ${m.version}`,
    `# size ${m.size}`,
    `# part-size ${m.partSize}`,
    `# parts ${m.parts.length}`,
    `# sha256 ${m.sha256}`,
    `# time ${m.time}`,
    // sha256sum checks these; the sizes are get's (a comment sha256sum skips).
    ...m.parts.flatMap((p) => [`# part ${p.name} ${p.size}`, `${p.sha256}  ${p.name}`]),
    '# end',
  ];
  return `${lines.join('\n')}\n`;
}

const HEX = /^[0-9a-f]{64}$/;

// The "# KEY VALUE" lines put writes once, by the form of their value; any
// other comment ("# size of the disk: 4T") is a note.
const FIELDS: Record<string, RegExp> = {
  scpipe: /^parts \d+$/,
  size: /^\d+$/,
  'part-size': /^\d+$/,
  parts: /^\d+$/,
  sha256: HEX,
  time: /^[+-]?\d{4,6}-\d\d-\d\dT\S*$/,
};

/** Parses and checks a manifest of set `name`; ERR_PROTOCOL names what is wrong. */
export function parseManifest(text: string, name: string): Manifest {
  const bad = (why: string): ScpipeError =>
    new ScpipeError('ERR_PROTOCOL', `manifest ${escapeForTerminal(name)}.sha256 ${why}`, { path: `${name}.sha256` });
  // The server's text in a message: a line of a 64 MiB manifest can be that long.
  const shown = (text: string): string => escapeForTerminal(text.slice(0, 100)) + (text.length > 100 ? '…' : '');
  // CRLF line ends (a manifest saved by a Windows editor; sha256sum -c takes
  // them too) are dropped: no line of a manifest ends with a CR of its own.
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  // A newer format is named before anything in it is judged by this one's
  // rules: its lines, its end, its part names may all have changed.
  const declared = Number(lines.map((line) => /^# scpipe parts (\d+)$/.exec(line)?.[1]).find((v) => v !== undefined));
  if (declared > MANIFEST_VERSION) throw bad(`is of format version ${declared}, and this scpipe reads version ${MANIFEST_VERSION}: a newer scpipe made it; restore with that one`);
  // Comments and empty lines an admin added after "# end" (sha256sum -c
  // skips them) leave the manifest whole; anything else there does not.
  const end = lines.lastIndexOf('# end');
  if (end < 0) throw bad('is incomplete (no "# end" line)');
  const after = lines.slice(end + 1).find((line) => line !== '' && !line.startsWith('#'));
  if (after !== undefined) throw bad(`has a line after "# end": ${shown(after)}`);
  const fields = new Map<string, string>();
  const sizes = new Map<string, bigint>();
  const parts: PartEntry[] = [];
  for (const line of lines.slice(0, end)) {
    // A part's name may hold spaces, a CR or U+2028 (put sends any name
    // without a newline), so its size is the last word and `[^]` any character.
    const comment = /^# (\S+) ([^]*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'part') {
        const part = /^([^]+) (\d+)$/.exec(comment[2]!);
        if (!part) throw bad(`has a bad line: ${shown(line)}`);
        sizes.set(part[1]!, BigInt(part[2]!));
      } else if (FIELDS[comment[1]!]?.test(comment[2]!)) {
        // An added "# sha256 …" must not stand in for put's own, nor be passed over.
        if (fields.has(comment[1]!)) throw bad(`has two "# ${comment[1]}" lines`);
        fields.set(comment[1]!, comment[2]!);
      }
      continue;
    }
    // Other comments and empty lines, as sha256sum -c takes them: an admin's notes.
    if (line === '' || line.startsWith('#')) continue;
    const entry = /^([0-9a-f]{64}) {2}([^]+)$/.exec(line);
    if (!entry) throw bad(`has a bad line: ${shown(line)}`);
    const file = entry[2]!;
    if (file !== partName(name, parts.length)) throw bad(`lists ${shown(file)} where ${escapeForTerminal(partName(name, parts.length))} belongs`);
    const size = sizes.get(file);
    if (size === undefined) throw bad(`gives no size for ${shown(file)}`);
    parts.push({ name: file, size, sha256: entry[1]! });
  }
  const version = Number(/^parts (\d+)$/.exec(fields.get('scpipe') ?? '')?.[1]);
  if (version !== MANIFEST_VERSION) throw bad(`is not an scpipe parts manifest of version ${MANIFEST_VERSION}`);
  const num = (key: string): bigint => {
    const value = fields.get(key);
    if (value === undefined || !/^\d+$/.test(value)) throw bad(`has no valid "# ${key}" line`);
    return BigInt(value);
  };
  const size = num('size');
  const partSize = num('part-size');
  const count = num('parts');
  const sha256 = fields.get('sha256') ?? '';
  if (!HEX.test(sha256)) throw bad('has no valid "# sha256" line');
  if (BigInt(parts.length) !== count) throw bad(`lists ${parts.length} parts, not ${count}`);
  // As put cuts a stream (cutter.ts): each part of part-size, the last at most
  // that. A part of another size is refused before it is fetched: each is
  // spooled whole before its sum is checked, and a lie could be any size.
  for (const [i, p] of parts.entries()) {
    const last = i === parts.length - 1;
    if (last ? p.size > partSize : p.size !== partSize) throw bad(`gives ${shown(p.name)} ${p.size} bytes, not ${last ? 'at most ' : ''}its part-size ${partSize}`);
  }
  const sum = parts.reduce((total, p) => total + p.size, 0n);
  if (sum !== size) throw bad(`has parts of ${sum} bytes in all, not ${size}`);
  return { version, name, size, partSize, sha256, time: fields.get('time') ?? '', parts };
}
