// Shared by the fs tests: temp dirs, a driver that plays the sink role's part
// against a SinkHandler, and a tree snapshot to compare two trees.
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileWriter, ReceivedTimes, SinkHandler } from '../../../lib/protocol/sink-types';

/** A fresh directory under TMPDIR (removed by the returned cleanup). */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'scpipe-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A C record and its body, as a test feeds it to a sink. */
export interface IncomingFile {
  name: string;
  mode: number;
  data: string | Buffer;
  times?: ReceivedTimes;
}

/** Opens a C record on the sink; throws if it was refused. */
export async function openOrThrow(sink: SinkHandler, file: IncomingFile, size?: bigint): Promise<FileWriter> {
  const announced = size ?? BigInt(Buffer.from(file.data).length);
  const w = await sink.openFile({ type: 'C', mode: file.mode, size: announced, name: file.name }, file.times, 0);
  if ('error' in w) throw new Error(`refused: ${w.error}`);
  return w;
}

/**
 * Plays one C record the way the sink role does: open, body in chunks, then
 * finish() with the source's status. Returns the refusal or the finish error.
 */
export async function receive(
  sink: SinkHandler,
  file: IncomingFile,
  opts: { ok?: boolean; chunk?: number } = {},
): Promise<{ refused?: string; error?: string }> {
  const data = Buffer.from(file.data);
  const w = await sink.openFile({ type: 'C', mode: file.mode, size: BigInt(data.length), name: file.name }, file.times, 0);
  if ('error' in w) return { refused: String(w.error) };
  const chunk = opts.chunk ?? 65536;
  for (let i = 0; i < data.length; i += chunk) await w.write(data.subarray(i, i + chunk));
  const error = await w.finish({ ok: opts.ok ?? true, sourceError: opts.ok === false ? 'f: Input/output error' : undefined });
  return error === undefined ? {} : { error: String(error) };
}

/** Octal mode bits of a path (not following a final symlink). */
export async function modeOf(path: string): Promise<string> {
  return ((await lstat(path)).mode & 0o7777).toString(8).padStart(4, '0');
}

/** Entries of a directory that look like our temp files. */
export async function tempFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.includes('.scpipe-'));
}

/** One entry of snapshotTree(). */
export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'other';
  size?: number;
  sha256?: string;
  mode: string;
  mtime?: number;
}

/**
 * Every entry under `root` (names, type, size, sha256, mode, mtime in whole
 * seconds), sorted, so two trees compare with one toEqual().
 */
export async function snapshotTree(root: string, opts: { mtimes: boolean } = { mtimes: true }): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(full);
      const entry: TreeEntry = {
        path: relPath,
        type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other',
        mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
      };
      if (opts.mtimes) entry.mtime = Math.floor(st.mtimeMs / 1000);
      if (st.isFile()) {
        entry.size = st.size;
        entry.sha256 = createHash('sha256').update(await readFile(full)).digest('hex');
      }
      out.push(entry);
      if (st.isDirectory()) await walk(full, relPath);
    }
  }
  await walk(root, '');
  return out;
}
