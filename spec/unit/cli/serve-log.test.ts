// serve's log past MAX_QUEUED bytes waiting for a slow reader: lines are
// dropped, and the next line written once the queue is short says how many.
import { EventEmitter } from 'node:events';
import { MAX_QUEUED, serveLog } from '../../../cli/serve-log';

class Out extends EventEmitter {
  writableLength = 0;
  lines: string[] = [];
  blocking: boolean | undefined;
  _handle = { setBlocking: (on: boolean): void => void (this.blocking = on) };
  write(text: string): boolean {
    this.lines.push(text);
    return true;
  }
}

it('writes without blocking, drops lines while too much waits, then counts them', () => {
  const out = new Out();
  const log = serveLog(out as unknown as Parameters<typeof serveLog>[0]);
  expect(out.blocking).toBe(false);
  log.say('one');
  out.writableLength = MAX_QUEUED + 1; // the reader stopped
  log.say('two');
  log.say('three');
  out.writableLength = 0; // it is back
  log.say('four');
  expect(out.lines).toEqual([
    'scpipe: one\n',
    "scpipe: 2 log line(s) dropped: the log's reader did not keep up\n",
    'scpipe: four\n',
  ]);
});

it('flush() waits for the queue to drain, at most the time given', async () => {
  const out = new Out();
  const log = serveLog(out as unknown as Parameters<typeof serveLog>[0]);
  await log.flush(10_000); // nothing queued: at once
  out.writableLength = 10;
  const drained = log.flush(10_000);
  out.emit('drain');
  await drained;
  const started = Date.now();
  await log.flush(50); // never drains
  expect(Date.now() - started).toBeGreaterThanOrEqual(40);
});
