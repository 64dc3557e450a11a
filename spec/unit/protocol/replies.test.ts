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
    expect(d.partialText().length).toBe(2047);
    d.push(Buffer.from('\n\0'));
    expect(d.shift()).toEqual({ kind: 'unexpected', message: 'A'.repeat(2047) });
    expect(d.shift()).toEqual({ kind: 'ok' });
  });

  it('treats shell noise before the first ack as a stray line', () => {
    expect(decodeAll([Buffer.from('Welcome to vault!\n\0')]).replies).toEqual([
      { kind: 'unexpected', message: 'Welcome to vault!' },
      { kind: 'ok' },
    ]);
  });
});
