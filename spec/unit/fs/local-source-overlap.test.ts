// sendLocalPaths() with a session that takes several small files at once
// (SFTP): how many overlap, in which order they are reported, and that a
// directory is left, a large file sent, or a failure thrown only once the
// files in flight have ended.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScpipeError } from '../../../lib/errors';
import type { ScpipeError as ErrorType } from '../../../lib/errors';
import { sendLocalPaths } from '../../../lib/fs/local-source';
import type { SourceSession } from '../../../lib/fs/local-source-types';
import type { OutgoingFile } from '../../../lib/protocol/source-types';
import { tempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const ticks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Files finish out of order: each takes `delay(name)` event-loop turns. */
class Overlapping implements SourceSession {
  readonly events: string[] = [];
  readonly data = new Map<string, string>();
  running = 0;
  most = 0;
  started = 0;
  /** With `fill`: a file waits (bounded) until the window is full or `fill` files have started. */
  fill?: number;
  constructor(readonly filesInFlight: number, private readonly delay: (name: string) => number, private readonly fatal?: string) {}

  async sendFile(file: OutgoingFile): Promise<boolean> {
    this.running++;
    this.started++;
    this.most = Math.max(this.most, this.running);
    this.events.push(`start ${file.name} (${this.running - 1} others)`);
    try {
      const chunks: Buffer[] = [];
      for await (const c of file.body) chunks.push(Buffer.from(c));
      for (let i = 0; this.fill !== undefined && this.running < this.filesInFlight && this.started < this.fill && i < 100_000; i++) await ticks(1);
      await ticks(this.delay(file.name));
      if (file.name === this.fatal) throw new ScpipeError('ERR_LOST_CONNECTION', 'connection lost');
      this.data.set(file.name, Buffer.concat(chunks).toString());
      return true;
    } finally {
      this.running--;
      this.events.push(`end ${file.name}`);
    }
  }
  async enterDirectory(name: string): Promise<boolean> {
    this.events.push(`D ${name}`);
    return true;
  }
  async leaveDirectory(): Promise<void> {
    this.events.push(`E (${this.running} running)`);
  }
  reportLocalError(error: ErrorType): void {
    this.events.push(`! ${error.message}`);
  }
}

async function tree(names: string[]): Promise<void> {
  await mkdir(join(dir, 't'));
  for (const n of names) await writeFile(join(dir, 't', n), `data of ${n}`);
}

describe('sendLocalPaths with filesInFlight', () => {
  it('keeps up to filesInFlight small files going, reports them in walk order, leaves the directory after them', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `f${i}`);
    await tree(names);
    const session = new Overlapping(3, (name) => 30 - Number(name.slice(1)) * 3); // later ones finish first
    session.fill = names.length;
    const sent: string[] = [];
    await sendLocalPaths(session, [join(dir, 't')], { recursive: true, preserve: false, onFileSent: (path) => sent.push(path) });
    expect(session.most).toBe(3);
    const started = session.events.filter((e) => e.startsWith('start ')).map((e) => e.split(' ')[1]!);
    expect(started.sort()).toEqual(names);
    expect(sent).toEqual(session.events.filter((e) => e.startsWith('start ')).map((e) => join(dir, 't', e.split(' ')[1]!)));
    expect(session.events.at(-1)).toBe('E (0 running)');
    for (const n of names) expect(session.data.get(n)).toBe(`data of ${n}`);
  });

  it('sends a file over 1 MiB alone, after the small ones before it', async () => {
    await tree(['a', 'b']);
    await writeFile(join(dir, 't', 'big'), Buffer.alloc((1 << 20) + 1));
    const session = new Overlapping(4, () => 5);
    await sendLocalPaths(session, [join(dir, 't', 'a'), join(dir, 't', 'b'), join(dir, 't', 'big'), join(dir, 't', 'a')], { recursive: false, preserve: false });
    const big = session.events.indexOf('start big (0 others)');
    expect(big).toBeGreaterThan(-1);
    expect(session.events[big + 1]).toBe('end big');
    expect(session.events.slice(0, big).filter((e) => e.startsWith('end'))).toHaveLength(2);
    expect(session.events.slice(big + 2)).toEqual(['start a (0 others)', 'end a']);
  });

  // A lost connection: the files in flight end (each removes its temporary file) before the copy fails.
  it('a fatal error rejects only once the other files in flight have ended', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `f${i}`);
    await tree(names);
    const session = new Overlapping(4, (name) => (name === 'f1' ? 1 : 20), 'f1');
    const failed = await sendLocalPaths(session, [join(dir, 't')], { recursive: true, preserve: false }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    expect(session.running).toBe(0);
    expect(session.events.filter((e) => e.startsWith('E'))).toEqual([]);
  });

  // Files after the one that failed may have been stored meanwhile: they are
  // reported all the same (cp --checksum-file lists every file stored, also
  // when the copy ends with an error). Before, only those before it were.
  it('a fatal error: the files in flight that were stored are still reported, in walk order', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `f${i}`);
    await tree(names);
    const session = new Overlapping(4, (name) => (name === 'f0' ? 30 : 1), 'f0');
    const sent: string[] = [];
    const failed = await sendLocalPaths(session, [join(dir, 't')], { recursive: true, preserve: false, onFileSent: (path) => sent.push(path) }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    const walked = session.events.filter((e) => e.startsWith('start ')).map((e) => e.split(' ')[1]!);
    const stored = walked.filter((n) => session.data.has(n));
    expect(stored.length).toBeGreaterThan(0);
    expect(sent).toEqual(stored.map((n) => join(dir, 't', n)));
  });

  it('without filesInFlight, one file at a time (SCP)', async () => {
    await tree(['a', 'b', 'c']);
    const session = new Overlapping(1, () => 3);
    await sendLocalPaths(session, [join(dir, 't')], { recursive: true, preserve: false });
    expect(session.most).toBe(1);
  });
});
