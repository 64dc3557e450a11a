// The sink decoder's input queue: views where bytes lie in one chunk, copies
// across chunks, and newline searches that go on where the last one stopped.
import { ByteQueue } from '../../../lib/protocol/byte-queue';

const queueOf = (...parts: string[]): ByteQueue => {
  const q = new ByteQueue();
  for (const p of parts) q.push(Buffer.from(p));
  return q;
};

describe('ByteQueue', () => {
  it('takes views of the pushed buffer, not copies, and skips empty pushes', () => {
    const chunk = Buffer.from('abcdef');
    const q = new ByteQueue();
    q.push(Buffer.alloc(0));
    q.push(chunk);
    const view = q.takeView(4);
    expect(view.toString()).toBe('abcd');
    expect(view.buffer).toBe(chunk.buffer);
    expect(q.length).toBe(2);
    expect(q.peek()).toBe('e'.charCodeAt(0));
  });

  it('takeView() stops at the end of the front chunk; take() joins chunks', () => {
    const q = queueOf('ab', 'cd', 'ef');
    expect(q.takeView(3).toString()).toBe('ab');
    expect(q.take(3).toString()).toBe('cde');
    expect(q.take(1).toString()).toBe('f');
    expect(q.length).toBe(0);
    expect(q.peek()).toBeUndefined();
  });

  it('indexOf() counts from the front, within [from, limit), across chunks', () => {
    const q = queueOf('ab', 'c\nd', '\n');
    expect(q.indexOf(0x0a, 0, 10)).toBe(3);
    expect(q.indexOf(0x0a, 4, 10)).toBe(5);
    expect(q.indexOf(0x0a, 0, 3)).toBe(-1);
    q.take(1); // the front moves: positions follow it
    expect(q.indexOf(0x0a, 0, 10)).toBe(2);
  });

  it('a line that comes a byte at a time is found where the search stopped', () => {
    const q = new ByteQueue();
    for (let i = 0; i < 200; i++) {
      q.push(Buffer.from('x'));
      expect(q.indexOf(0x0a, i, 1000)).toBe(-1);
    }
    q.push(Buffer.from('\n'));
    expect(q.indexOf(0x0a, 200, 1000)).toBe(200);
    expect(q.take(201).toString()).toBe(`${'x'.repeat(200)}\n`);
    expect(q.length).toBe(0);
  });

  it('keeps its order after many chunks are taken (the front is compacted)', () => {
    const q = new ByteQueue();
    for (let i = 0; i < 300; i++) q.push(Buffer.from([i & 0xff]));
    for (let i = 0; i < 150; i++) expect(q.take(1)[0]).toBe(i & 0xff);
    expect(q.length).toBe(150);
    expect(q.take(150)).toEqual(Buffer.from(Array.from({ length: 150 }, (_, i) => (i + 150) & 0xff)));
  });
});
