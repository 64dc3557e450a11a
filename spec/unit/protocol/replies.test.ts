import { ReplyDecoder, type Reply } from '../../../lib/protocol/replies';
import { everySplit } from '../../helpers/fake-channel';

function decodeAll(chunks: Buffer[]): { replies: Reply[]; partial: boolean } {
  const d = new ReplyDecoder();
  const replies: Reply[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let r = d.shift(); r; r = d.shift()) replies.push(r);
  }
  return { replies, partial: d.partial };
}

describe('ReplyDecoder (docs/protocol.md §3)', () => {
  // Observed from OpenSSH's scp -t writing to /dev/full (docs/protocol.md §4.3).
  const transcript = Buffer.from('\0\0\x01scp: /dev/full: No space left on device\n\0\x02fatal one\nhello world\n');
  const golden: Reply[] = [
    { kind: 'ok' },
    { kind: 'ok' },
    { kind: 'warning', message: 'scp: /dev/full: No space left on device' },
    { kind: 'ok' },
    { kind: 'fatal', message: 'fatal one' },
    { kind: 'unexpected', message: 'hello world' },
  ];

  it('gives the same replies at every chunk boundary and byte by byte', () => {
    for (const chunks of everySplit(transcript)) {
      expect(decodeAll(chunks)).toEqual({ replies: golden, partial: false });
    }
  });

  it('keeps an unfinished message pending', () => {
    const d = new ReplyDecoder();
    d.push(Buffer.from('\x01scp: no newline yet'));
    expect(d.shift()).toBeUndefined();
    expect(d.partial).toBe(true);
    expect(d.partialText()).toBe('scp: no newline yet');
  });

  it('keeps at most one line of a message that never ends (bounded memory)', () => {
    const d = new ReplyDecoder();
    for (let i = 0; i < 1000; i++) d.push(Buffer.alloc(10000, 0x41));
    const shown = `${'A'.repeat(1023)} [${10_000_000 - 2047} bytes left out] ${'A'.repeat(1024)}`;
    expect(d.partialText()).toBe(shown);
    d.push(Buffer.from('\n\0'));
    expect(d.shift()).toEqual({ kind: 'unexpected', message: shown });
    expect(d.shift()).toEqual({ kind: 'ok' });
  });

  // Each chunk past the message's first 1023 bytes left an empty piece
  // behind and copied the whole kept tail: a peer sending a never-ending
  // message in one-byte packets grew memory by ~200 bytes a packet.
  it('keeps a message that never ends bounded when it comes a byte at a time', () => {
    const d = new ReplyDecoder();
    d.push(Buffer.from([1]));
    const byte = Buffer.from('A');
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 400_000; i++) d.push(byte);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30_000_000);
    d.push(Buffer.from('\n'));
    expect(d.shift()).toEqual({ kind: 'warning', message: `${'A'.repeat(1023)} [${400_000 - 2047} bytes left out] ${'A'.repeat(1024)}` });
  });

  // scp's message for a path near PATH_MAX (4 KiB) was cut after 2047 bytes,
  // inside the path: the reason, which comes last, was lost.
  it('keeps the end of a long message, where scp puts the reason', () => {
    const path = `/${'d'.repeat(100)}`.repeat(40);
    const d = new ReplyDecoder();
    for (const b of Buffer.from(`\x01scp: ${path}/f: File name too long\n`)) d.push(Buffer.from([b]));
    const m = d.shift();
    expect(m).toMatchObject({ kind: 'warning', message: expect.stringMatching(/^scp: \/d{100}\/.* \[\d+ bytes left out\] .*\/f: File name too long$/) });
    expect(Buffer.byteLength((m as { message: string }).message)).toBeLessThan(2100);
  });

  it('a message of exactly 2047 bytes is kept whole', () => {
    const d = new ReplyDecoder();
    d.push(Buffer.from(`\x01${'B'.repeat(2047)}\n`));
    expect(d.shift()).toEqual({ kind: 'warning', message: 'B'.repeat(2047) });
  });

  it('treats shell noise before the first ack as a stray line', () => {
    expect(decodeAll([Buffer.from('Welcome to vault!\n\0')]).replies).toEqual([
      { kind: 'unexpected', message: 'Welcome to vault!' },
      { kind: 'ok' },
    ]);
  });
});
