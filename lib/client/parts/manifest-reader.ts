// Reads a manifest (manifest.ts) as it arrives, chunk by chunk, and checks
// it line by line: no more than one line and 32 bytes a part are held, so a
// set of millions of parts (a 2 TB stream in 1 MiB parts: a 254 MB
// manifest) is read in bounded memory. Sans-I/O: push() the bytes, end().
import { ScpipeError } from '../../errors';
import { escapeForTerminal } from '../../util/escape';
import { digestTable, MANIFEST_VERSION, MAX_PARTS, manifestOf, type Manifest } from './manifest';
import { putSum, SHA256_BYTES, withRoomFor } from './digests';
import { partName } from './names';
import { BoundedLines } from '../../util/bounded-lines';

/** The longest line read: a part's line is at most ~330 bytes (NAME_MAX), an admin's note may be longer. */
export const MAX_LINE_BYTES = 64 * 1024;

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

const VERSION = /^# scpipe parts (\d+)$/;

/** A manifest of set `name` read as it comes; ERR_PROTOCOL names the line that is wrong. */
export class ManifestReader {
  private readonly lines = new BoundedLines(MAX_LINE_BYTES, (text, tooLong) => this.lineDone(text, tooLong));
  private line = 0;
  private failure: { error: ScpipeError; line: number } | undefined;
  private declared: number | undefined; // a newer format is named before what is wrong by this one's rules
  private readonly fields = new Map<string, string>();
  private ended = false;
  private partLine: { file: string; size: bigint; line: number } | undefined; // "# part" awaiting its sum line
  private partSize: bigint | undefined;
  private count = 0;
  private total = 0n;
  private lastSize = 0n;
  private lastLine = 0;
  private digests = Buffer.alloc(0);
  private named: { index: number; name: string } | undefined;
  private bytes = 0;
  private unended: number | undefined; // the last line, when it had no newline: the upload may have stopped in it

  /** `maxParts`: tests only. */
  constructor(private readonly name: string, private readonly maxParts = MAX_PARTS) {}

  /** Takes the manifest's next bytes. */
  push(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    this.lines.push(chunk);
  }

  /** What end() says is settled (something is wrong, and the format version is known): the rest need not be read. */
  get settled(): boolean {
    return this.failure !== undefined && this.declared !== undefined;
  }

  /** The manifest once all of it came; throws what is wrong with it. */
  end(): Manifest {
    const last = this.line;
    this.lines.end(); // a last line without its newline
    if (this.line > last) this.unended = this.line;
    if (this.declared !== undefined && this.declared > MANIFEST_VERSION) {
      throw this.bad(`is of format version ${this.declared}, and this scpipe reads version ${MANIFEST_VERSION}: a newer scpipe made it; restore with that one`);
    }
    // put writes it last, so one cut off (empty, or ending mid-line or before "# end") is a set whose upload did not finish, not a bad one.
    if (this.bytes === 0) throw this.bad(`is empty: the upload of ${escapeForTerminal(this.name)} was cut off as its manifest began (or is still running), so the parts set is incomplete`);
    const cutAt = this.failure === undefined || this.failure.line === this.unended;
    if (!this.ended && cutAt) throw this.bad(`is cut short, after ${this.bytes} bytes with no "# end" line: the upload of ${escapeForTerminal(this.name)} did not finish (or is still running), so the parts set is incomplete`);
    if (this.failure) throw this.failure.error;
    if (this.partLine) throw this.bad(`has "# part ${shown(this.partLine.file)}" and no sum line for it`, this.partLine.line);
    const version = Number(/^parts (\d+)$/.exec(this.fields.get('scpipe') ?? '')?.[1]);
    if (version !== MANIFEST_VERSION) throw this.bad(`is not an scpipe parts manifest of version ${MANIFEST_VERSION}`);
    const size = this.num('size');
    const partSize = this.num('part-size');
    const count = this.num('parts');
    const sha256 = this.fields.get('sha256') ?? '';
    if (!HEX.test(sha256)) throw this.bad('has no valid "# sha256" line');
    if (BigInt(this.count) !== count) throw this.bad(`lists ${this.count} parts, not ${count}`);
    if (this.count > 0 && this.lastSize > partSize) throw this.bad(`gives ${shown(partName(this.name, this.count - 1))} ${this.lastSize} bytes, not at most its part-size ${partSize}`, this.lastLine);
    if (this.total !== size) throw this.bad(`has parts of ${this.total} bytes in all, not ${size}`);
    const digests = this.digests.subarray(0, this.count * SHA256_BYTES);
    return manifestOf({ version, name: this.name, size, partSize, sha256, time: this.fields.get('time') ?? '' }, digestTable(this.name, partSize, this.count, this.lastSize, digests));
  }

  private lineDone(line: string, tooLong: boolean): void {
    this.line++;
    let text = line;
    // CRLF line ends (a manifest saved by a Windows editor; sha256sum -c
    // takes them too) are dropped: no line of a manifest ends with a CR of
    // its own. So is the byte order mark such an editor puts first.
    if (text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
    if (this.line === 1 && text.startsWith('\ufeff')) text = text.slice(1);
    const version = text.startsWith('# scpipe ') ? VERSION.exec(text) : null;
    if (version && this.declared === undefined) this.declared = Number(version[1]);
    if (this.failure) return; // only a newer version is still looked for
    try {
      if (tooLong) throw this.badLine(`is longer than ${MAX_LINE_BYTES} bytes: ${shown(text)}`);
      this.read(text);
    } catch (err) {
      this.failure = { error: err as ScpipeError, line: this.line };
    }
  }

  private read(line: string): void {
    if (line === '# end') {
      this.ended = true;
      return;
    }
    const last = line.charCodeAt(line.length - 1);
    // "# end " or "# size 5 " reads as a note and would be missed; a part's name may end in a space, so said, not trimmed.
    if (last === 0x20 || last === 0x09) {
      const trimmed = line.replace(/[ \t]+$/, '');
      if (line.startsWith('#') ? isPutsLine(trimmed) : !this.ended && this.isNextSum(trimmed)) throw this.badLine(`ends in white space: ${shown(line)}`);
    }
    // Comments and empty lines an admin added (sha256sum -c skips them), also after "# end"; anything else there is not the manifest put wrote.
    if (this.ended) {
      if (line !== '' && !line.startsWith('#')) throw this.badLine(`has a line after "# end": ${shown(line)}`);
      return;
    }
    if (line.startsWith('# part ')) return this.readPartLine(line, line.slice(7));
    // A sum line as put writes it, without a regular expression over its name: millions of them.
    if (line.length > 66 && line.charCodeAt(64) === 0x20 && line.charCodeAt(65) === 0x20 && HEX.test(line.slice(0, 64))) return this.readSum(line.slice(0, 64), line.slice(66));
    const comment = /^# (\S+) ([^]*)$/.exec(line);
    if (comment) {
      const [, key, value] = comment as unknown as [string, string, string];
      if (key === 'part') return this.readPartLine(line, value);
      if (FIELDS[key]?.test(value)) {
        // An added "# sha256 …" must not stand in for put's own, nor be passed over.
        if (this.fields.has(key)) throw this.badLine(`has two "# ${key}" lines`);
        this.fields.set(key, value);
        if (key === 'part-size') this.partSize = BigInt(value);
        // Said at its line, before millions of part lines are read to count them.
        if (key === 'parts' && BigInt(value) > BigInt(this.maxParts)) throw this.badLine(`gives ${value} parts, more than ${this.maxParts}, the most put makes`);
      }
      return;
    }
    if (line === '' || line.startsWith('#')) return; // an admin's notes
    const entry = /^([0-9a-f]{64}) {2}([^]+)$/.exec(line);
    if (!entry) throw this.badLine(`has a bad line: ${shown(line)}`);
    this.readSum(entry[1]!, entry[2]!);
  }

  // "# part NAME SIZE": a part's name may hold spaces, a CR or U+2028 (put
  // sends any name without a newline), so its size is the last word. It
  // comes before its part's sum line, as put writes them.
  private readPartLine(line: string, value: string): void {
    const space = value.lastIndexOf(' ');
    const size = value.slice(space + 1);
    if (space < 1 || !/^\d+$/.test(size)) throw this.badLine(`has a bad line: ${shown(line)}`);
    const file = value.slice(0, space);
    const expected = this.nextName();
    if (this.partLine) throw this.badLine(`has "# part ${shown(file)}" where the sum line of ${shown(this.partLine.file)} belongs (its "# part" line is line ${this.partLine.line})`);
    if (file !== expected) throw this.badLine(`has "# part ${shown(file)}" where "# part ${shown(expected)}" belongs`);
    this.partLine = { file, size: BigInt(size), line: this.line };
  }

  private readSum(sha256: string, file: string): void {
    const expected = this.nextName();
    if (file !== expected) throw this.badLine(`lists ${shown(file)} where ${shown(expected)} belongs`);
    if (this.partLine === undefined) throw this.badLine(`gives no size for ${shown(file)} (its "# part" line comes just before)`);
    if (this.partSize === undefined) throw this.badLine('has no valid "# part-size" line before its first part');
    if (this.count >= this.maxParts) throw this.badLine(`lists more than ${this.maxParts} parts, the most put makes`);
    // As put cuts a stream (cutter.ts): each part of part-size, the last at
    // most that. A part of another size is refused before it is fetched:
    // each is spooled whole before its sum is checked, and a lie could be any size.
    if (this.count > 0 && this.lastSize !== this.partSize) {
      throw this.bad(`gives ${shown(partName(this.name, this.count - 1))} ${this.lastSize} bytes, not its part-size ${this.partSize}`, this.lastLine);
    }
    const room = this.digests.length / SHA256_BYTES;
    if (room <= this.count) this.digests = withRoomFor(this.digests, Math.min(Math.max(room * 2, 4096), this.maxParts));
    putSum(this.digests, this.count, sha256);
    this.lastSize = this.partLine.size;
    this.lastLine = this.partLine.line;
    this.total += this.lastSize;
    this.count++;
    this.partLine = undefined;
  }

  private isNextSum(line: string): boolean {
    return line === `${/^[0-9a-f]{64}/.exec(line)?.[0]}  ${this.nextName()}`;
  }

  // The name of the part the next lines are about, made once for its two lines.
  private nextName(): string {
    if (this.named?.index !== this.count) this.named = { index: this.count, name: partName(this.name, this.count) };
    return this.named.name;
  }

  private num(key: string): bigint {
    const value = this.fields.get(key);
    if (value === undefined || !/^\d+$/.test(value)) throw this.bad(`has no valid "# ${key}" line`);
    return BigInt(value);
  }

  // What is wrong with the manifest as a whole, or (`line`) with one of its lines.
  private bad(why: string, line?: number): ScpipeError {
    const where = line === undefined ? '' : ` (line ${line})`;
    return new ScpipeError('ERR_PROTOCOL', `manifest ${escapeForTerminal(this.name)}.sha256${where} ${why}`, { path: `${this.name}.sha256` });
  }

  private badLine(why: string): ScpipeError {
    return this.bad(why, this.line);
  }
}

// put's own lines: "# end", a field in its form, or a part's size.
function isPutsLine(line: string): boolean {
  if (line === '# end') return true;
  const comment = /^# (\S+) ([^]*)$/.exec(line);
  return comment !== null && (comment[1] === 'part' ? /^[^]+ \d+$/.test(comment[2]!) : FIELDS[comment[1]!]?.test(comment[2]!) === true);
}

// The server's text in a message: a line can be 64 KiB long.
function shown(text: string): string {
  return escapeForTerminal(text.slice(0, 100)) + (text.length > 100 ? '…' : '');
}

/** Parses and checks a manifest of set `name` held whole; ERR_PROTOCOL names what is wrong (and where). */
export function parseManifest(text: string, name: string): Manifest {
  const reader = new ManifestReader(name);
  reader.push(Buffer.from(text, 'utf8'));
  return reader.end();
}
