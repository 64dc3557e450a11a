import { thrown } from '../../helpers/async';
import { describeRecord, parseRecord } from '../../../lib/protocol/record-parser';
import { encodeDirectory, encodeEnd, encodeFatal, encodeFile, encodeTimes, encodeWarning } from '../../../lib/protocol/records';
import type { TimesRecord } from '../../../lib/protocol/sink-types';

// A record line as the decoder hands it over: without its `\n`.
const line = (bytes: Buffer | string): Buffer => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
  return b[b.length - 1] === 0x0a ? b.subarray(0, -1) : b;
};

const protocolError = (why: string) =>
  expect.objectContaining({ code: 'ERR_PROTOCOL', message: `protocol error: ${why}` });

describe('parseRecord: what our encoders write (docs/protocol.md §2)', () => {
  it('reads C, D, E and T back', () => {
    expect(parseRecord(line(encodeFile(0o644, 5n, 'f1')))).toEqual({ type: 'C', mode: 0o644, size: 5n, name: 'f1' });
    expect(parseRecord(line(encodeFile(0o4755, 2n ** 53n + 1n, 'big')))).toEqual({ type: 'C', mode: 0o4755, size: 2n ** 53n + 1n, name: 'big' });
    expect(parseRecord(line(encodeDirectory(0o750, 'sub')))).toEqual({ type: 'D', mode: 0o750, name: 'sub' });
    expect(parseRecord(line(encodeEnd()))).toEqual({ type: 'E' });
    expect(parseRecord(line(encodeTimes({ mtime: 1000000000n, atime: 1100000000n })))).toEqual({
      type: 'T',
      mtime: 1000000000n,
      mtimeUsec: 0,
      atime: 1100000000n,
      atimeUsec: 0,
    });
  });

  it('reads \\1 and \\2 lines as warning and fatal records, message raw', () => {
    expect(parseRecord(line(encodeWarning('f: Permission denied')))).toEqual({ type: 'warning', message: 'scp: f: Permission denied' });
    expect(parseRecord(line(encodeFatal('bye')))).toEqual({ type: 'fatal', message: 'bye' });
    // Escaping is for display: the record keeps the peer's bytes.
    expect(parseRecord(line('\x01scp: \x1b[31mred\x1b[0m\r'))).toEqual({ type: 'warning', message: 'scp: \x1b[31mred\x1b[0m\r' });
  });
});

describe('parseRecord: accepted like OpenSSH', () => {
  it('keeps the name as the rest of the line: spaces, a trailing \\r, UTF-8, a BOM', () => {
    expect(parseRecord(line('C0644 1 sp ace.txt'))).toMatchObject({ name: 'sp ace.txt' });
    expect(parseRecord(line('C0644 1  lead and trail '))).toMatchObject({ name: ' lead and trail ' });
    expect(parseRecord(line('C0644 1 crlf\r'))).toMatchObject({ name: 'crlf\r' }); // observed `crlf\r`
    expect(parseRecord(line('C0644 1 ünï.txt'))).toMatchObject({ name: 'ünï.txt' });
    expect(parseRecord(line('C0644 1 \ufeffbom'))).toMatchObject({ name: '\ufeffbom' });
  });

  it('leaves empty, ".", ".." and "/" names to names.ts', () => {
    expect(parseRecord(line('C0644 0 '))).toEqual({ type: 'C', mode: 0o644, size: 0n, name: '' });
    expect(parseRecord(line('D0555 0 ..'))).toEqual({ type: 'D', mode: 0o555, name: '..' });
    expect(parseRecord(line('C0644 1 ../../etc/passwd'))).toMatchObject({ name: '../../etc/passwd' });
  });

  it('takes sizes up to 2^63-1 with leading zeros, as BigInt (docs/protocol.md §8)', () => {
    expect(parseRecord(line('C0644 9223372036854775807 x'))).toMatchObject({ size: 9223372036854775807n });
    expect(parseRecord(line('C0644 0007 x'))).toMatchObject({ size: 7n });
    expect(parseRecord(line('C7777 1 x'))).toMatchObject({ mode: 0o7777 });
  });

  it('checks only the first byte of E', () => {
    expect(parseRecord(line('E'))).toEqual({ type: 'E' });
    expect(parseRecord(line('Exyz 1 2'))).toEqual({ type: 'E' });
  });

  it('takes microseconds up to 999999 and any number of seconds', () => {
    expect(parseRecord(line('T1 999999 2 000123'))).toEqual({ type: 'T', mtime: 1n, mtimeUsec: 999999, atime: 2n, atimeUsec: 123 });
    const huge = parseRecord(line('T99999999999999999999999 0 1 0')) as TimesRecord;
    expect(huge.mtime).toBe(99999999999999999999999n);
    // OpenSSH acks this line but sets no times: the parser keeps the value, the sink does not set it (fs/modes.ts).
  });
});

// Each wording was checked against OpenSSH 9.2's `scp -t` (its replies to
// these very lines), except where marked as our own.
describe('parseRecord: refused, with OpenSSH wording (docs/protocol.md §2, §4.2)', () => {
  it.each([
    ['C644 1 x', 'bad mode'],
    ['C0648 1 x', 'bad mode'],
    ['C064', 'bad mode'],
    ['C06444 1 x', 'mode not delimited'],
    ['C0644', 'mode not delimited'],
    ['C0644  3 x', 'size not present'],
    ['C0644 -1 x', 'size not present'],
    ['C0644 +1 x', 'size not present'],
    ['C0644 ', 'size not present'],
    ['C0644 9223372036854775808 x', 'size out of range'],
    ['D0755 18446744073709551616 x', 'size out of range'],
    ['C0644 99999999999999999999x', 'size not delimited'], // delimiter checked before range
    ['C0644 3x', 'size not delimited'],
    ['C0644 3', 'size not delimited'],
    ['T', 'mtime.sec not present'],
    ['Tx 0 1 0', 'mtime.sec not present'],
    ['T1x', 'mtime.sec not delimited'],
    ['T1 1000000 2 0', 'mtime.usec not delimited'],
    ['T1 0x 2 0', 'mtime.usec not delimited'],
    ['T1 0 x', 'atime.sec not present'],
    ['T1 0 2x', 'atime.sec not delimited'],
    ['T1 0 2', 'atime.sec not delimited'],
    ['T1 0 2 0 ', 'atime.usec not delimited'],
    ['T1 0 2 1000000', 'atime.usec not delimited'],
    ['T1 0 2 0\r', 'atime.usec not delimited'],
    // Ours, stricter than OpenSSH's strtol() (which acks these): plain digits only.
    ['T1 0 2 ', 'atime.usec not delimited'],
    ['T1  0 2 0', 'mtime.usec not delimited'],
    ['T1 +5 2 0', 'mtime.usec not delimited'],
    ['hello world', 'expected control record'],
    ['\x00', 'expected control record'],
    ['', 'unexpected <newline>'],
  ])('%j: %s', (text, why) => {
    expect(() => parseRecord(Buffer.from(text, 'latin1'))).toThrow(protocolError(why));
  });

  it('marks a name that is not UTF-8 (a JS string could not give its bytes back): its escaped bytes, to show', () => {
    const bad = Buffer.concat([Buffer.from('C0644 1 caf'), Buffer.from([0xe9])]);
    expect(parseRecord(bad)).toEqual({ type: 'C', mode: 0o644, size: 1n, name: 'caf\\xe9', notUtf8: true, nameBytes: Buffer.from('caf\xe9', 'latin1') });
    const dir = Buffer.concat([Buffer.from('D0755 0 a\\'), Buffer.from([0xff])]);
    expect(parseRecord(dir)).toEqual({ type: 'D', mode: 0o755, name: 'a\\x5c\\xff', notUtf8: true, nameBytes: Buffer.from('a\\\xff', 'latin1') });
  });

  it('escapes the offending line into remoteMessage, never into the message', () => {
    expect(thrown(() => parseRecord(Buffer.from('C644 1 \x1b[2J\x9b')))).toMatchObject({ code: 'ERR_PROTOCOL', message: 'protocol error: bad mode', remoteMessage: 'C644 1 \\x1b[2J\\x9b' });
  });
});

describe('describeRecord: a record as -v traces it', () => {
  it('gives each record as its line, the names and messages escaped', () => {
    expect(describeRecord(parseRecord(line(encodeFile(0o644, 5n, 'a\x1bb'))))).toBe('C0644 5 a\\x1bb');
    expect(describeRecord(parseRecord(line(encodeDirectory(0o750, 'sub'))))).toBe('D0750 0 sub');
    expect(describeRecord(parseRecord(line(encodeEnd())))).toBe('E');
    expect(describeRecord(parseRecord(line(encodeTimes({ mtime: 1000000000n, atime: 1100000000n }))))).toBe('T1000000000 0 1100000000 0');
    expect(describeRecord(parseRecord(line(encodeWarning('no \x07 such file'))))).toBe('warning: scp: no \\x07 such file');
  });
});
