// canStart(): READs and WRITEs overlap only where the result cannot differ
// from running them one by one; everything else runs alone.
import type { Request } from '../../../../lib/server/sftp/requests';
import { canStart, MAX_RUNNING } from '../../../../lib/server/sftp/scheduler';

const h1 = Buffer.from([0, 0, 0, 1]);
const h2 = Buffer.from([0, 0, 0, 2]);
const read = (handle: Buffer, offset: number, length: number): Request => ({ id: 0, op: 'read', handle, offset: BigInt(offset), length });
const write = (handle: Buffer, offset: number, length: number): Request => ({ id: 0, op: 'write', handle, offset: BigInt(offset), data: Buffer.alloc(length) });
const close = (handle: Buffer): Request => ({ id: 0, op: 'close', handle });
const never = (): boolean => false;

it('runs reads together, and writes to disjoint ranges together', () => {
  expect(canStart(read(h1, 0, 10), [read(h1, 0, 10), read(h1, 5, 10)], never)).toBe(true);
  expect(canStart(write(h1, 10, 10), [write(h1, 0, 10), write(h1, 20, 10)], never)).toBe(true);
  expect(canStart(write(h1, 0, 10), [write(h2, 0, 10)], never)).toBe(true);
});

it('holds back a write that overlaps, and a read that overlaps a write', () => {
  expect(canStart(write(h1, 5, 10), [write(h1, 0, 10)], never)).toBe(false);
  expect(canStart(read(h1, 5, 10), [write(h1, 0, 10)], never)).toBe(false);
  expect(canStart(write(h1, 5, 10), [read(h1, 0, 10)], never)).toBe(false);
});

it('serialises writes to an append handle', () => {
  expect(canStart(write(h1, 100, 10), [write(h1, 0, 10)], () => true)).toBe(false);
});

it('runs anything else alone', () => {
  expect(canStart(close(h1), [], never)).toBe(true);
  expect(canStart(close(h2), [read(h1, 0, 1)], never)).toBe(false);
  expect(canStart(read(h1, 0, 1), [close(h2)], never)).toBe(false);
});

it('runs at most MAX_RUNNING at once', () => {
  const running = Array.from({ length: MAX_RUNNING }, (_, i) => read(h1, i, 1));
  expect(canStart(read(h1, 0, 1), running.slice(1), never)).toBe(true);
  expect(canStart(read(h1, 0, 1), running, never)).toBe(false);
});
