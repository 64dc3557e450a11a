// SftpTreeReader fetches a run of small files ahead (sftp-prefetch.ts): an
// in-memory SFTP session that answers each request a few turns later counts
// the files open at once; the sink must still get every file whole, in
// listing order, and a file that cannot be read must be said in its place.
import type { Stats } from 'ssh2';
import { ScpipeError } from '../../../lib/errors';
import { SftpTreeReader } from '../../../lib/client/sftp-tree-reader';
import type { SftpSession } from '../../../lib/sftp/session';
import type { SinkHandler } from '../../../lib/protocol/sink-types';

type Node = { dir: string[] } | { data: Buffer; unreadable?: boolean };

function stats(node: Node): Stats {
  const isDir = 'dir' in node;
  return {
    mode: isDir ? 0o40755 : 0o100644, size: isDir ? 4096 : node.data.length, uid: 0, gid: 0, atime: 0, mtime: 0,
    isDirectory: () => isDir, isFile: () => !isDir, isSymbolicLink: () => false,
  } as unknown as Stats;
}

const later = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

class MemorySftp {
  openFiles = 0;
  mostOpen = 0;
  private readonly handles = new Map<string, string>();
  private n = 0;
  readonly limits = { maxRead: 64 * 1024, maxWrite: 64 * 1024 };
  constructor(private readonly tree: Map<string, Node>) {}

  private node(path: string): Node {
    const node = this.tree.get(path);
    if (!node) throw new ScpipeError('ERR_NO_SUCH_FILE', `${path}: No such file`, { path });
    return node;
  }
  async stat(path: string): Promise<Stats> {
    await later();
    return stats(this.node(path));
  }
  async realpath(path: string): Promise<string> {
    await later();
    return path;
  }
  async opendir(path: string): Promise<Buffer> {
    await later();
    const h = `d${this.n++}`;
    this.handles.set(h, path);
    return Buffer.from(h);
  }
  private listed = new Set<string>();
  async readdir(handle: Buffer): Promise<unknown[] | undefined> {
    await later();
    const path = this.handles.get(handle.toString())!;
    if (this.listed.has(path)) return undefined;
    this.listed.add(path);
    const node = this.node(path) as { dir: string[] };
    return node.dir.map((name) => ({ filename: name, attrs: stats(this.node(`${path}/${name}`)) }));
  }
  async open(path: string): Promise<Buffer> {
    await later();
    const node = this.node(path);
    if ('unreadable' in node && node.unreadable) throw new ScpipeError('ERR_PERMISSION_DENIED', `${path}: Permission denied`, { path });
    const h = `f${this.n++}`;
    this.handles.set(h, path);
    this.mostOpen = Math.max(this.mostOpen, ++this.openFiles);
    return Buffer.from(h);
  }
  async fstat(handle: Buffer): Promise<Stats> {
    await later();
    return stats(this.node(this.handles.get(handle.toString())!));
  }
  async read(handle: Buffer, length: number, position: number): Promise<Buffer> {
    await later();
    const node = this.node(this.handles.get(handle.toString())!) as { data: Buffer };
    return node.data.subarray(position, position + length); // none past the end, as SftpSession.read answers EOF
  }
  async close(handle: Buffer): Promise<void> {
    await later();
    if (handle.toString().startsWith('f')) this.openFiles--;
    this.handles.delete(handle.toString());
  }
}

function recordingSink(): { sink: SinkHandler; stored: [string, string][]; events: string[] } {
  const stored: [string, string][] = [];
  const events: string[] = [];
  const sink: SinkHandler = {
    openFile: async (file) => {
      const chunks: Buffer[] = [];
      return {
        write: async (chunk: Uint8Array) => void chunks.push(Buffer.from(chunk)),
        finish: async () => {
          stored.push([file.name, Buffer.concat(chunks).toString('latin1')]);
          events.push(`F ${file.name}`);
          return undefined;
        },
        abort: async () => undefined,
      };
    },
    enterDirectory: async (dir) => void events.push(`D ${dir.name}`),
    leaveDirectory: async () => void events.push('E'),
  };
  return { sink, stored, events };
}

describe('SftpTreeReader: small files fetched ahead', () => {
  it('overlaps up to 16 small files, stores all in listing order, reads a large file and a directory in their turn', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    const tree = new Map<string, Node>([['/t', { dir: [...names.slice(0, 20), 'sub', 'big', ...names.slice(20)] }], ['/t/sub', { dir: ['s1', 's2'] }]]);
    for (const n of names) tree.set(`/t/${n}`, { data: Buffer.from(`content of ${n}`) });
    tree.set('/t/sub/s1', { data: Buffer.from('s1') });
    tree.set('/t/sub/s2', { data: Buffer.from('s2') });
    tree.set('/t/big', { data: Buffer.alloc((1 << 20) + 1, 7) });
    const session = new MemorySftp(tree);
    const { sink, stored, events } = recordingSink();
    const reader = new SftpTreeReader(session as unknown as SftpSession, { recursive: true, preserve: false });
    await reader.copy('/t', 't', sink);
    expect(reader.firstProblem).toBeUndefined();
    expect(events).toEqual(['D t', ...names.slice(0, 20).map((n) => `F ${n}`), 'D sub', 'F s1', 'F s2', 'E', 'F big', ...names.slice(20).map((n) => `F ${n}`), 'E']);
    for (const [name, data] of stored) {
      if (name === 'big') expect(data).toBe(Buffer.alloc((1 << 20) + 1, 7).toString('latin1'));
      else expect(data).toBe(name.startsWith('s') ? name : `content of ${name}`);
    }
    expect(session.mostOpen).toBeGreaterThan(4);
    expect(session.mostOpen).toBeLessThanOrEqual(16);
    expect(session.openFiles).toBe(0);
  });

  it('a file that cannot be opened is said in its place; the others are stored', async () => {
    const tree = new Map<string, Node>([['/t', { dir: ['a', 'b', 'c'] }]]);
    tree.set('/t/a', { data: Buffer.from('A') });
    tree.set('/t/b', { data: Buffer.from('B'), unreadable: true });
    tree.set('/t/c', { data: Buffer.from('C') });
    const session = new MemorySftp(tree);
    const { sink, events } = recordingSink();
    const problems: string[] = [];
    const reader = new SftpTreeReader(session as unknown as SftpSession, {
      recursive: true, preserve: false, onProblem: (err) => void (problems.push(err.message), events.push(`! ${err.message}`)),
    });
    await reader.copy('/t', 't', sink);
    expect(events).toEqual(['D t', 'F a', '! /t/b: Permission denied', 'F c', 'E']);
    expect(problems).toHaveLength(1);
  });
});
