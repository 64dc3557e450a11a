// Progress of cp's files: each file's start, then its bytes as they go.
import type { SinkHandler } from '../protocol/sink-types';
import type { Progress } from './progress';

/** Reports one file's progress: its start, then each count of bytes. */
export function fileProgress(onProgress: (p: Progress) => void): (name: string, size: bigint) => (bytes: bigint) => void {
  return (name, total) => {
    onProgress({ name, phase: 'transfer', bytes: 0n, total });
    return (bytes) => onProgress({ name, phase: 'transfer', bytes, total });
  };
}

/** Wraps a handler so each file's bytes are counted for a progress display. */
export function withProgress(handler: SinkHandler, onProgress: ((p: Progress) => void) | undefined): SinkHandler {
  if (!onProgress) return handler;
  const onFileStart = fileProgress(onProgress);
  return {
    enterDirectory: (dir, times, depth) => handler.enterDirectory(dir, times, depth),
    leaveDirectory: (depth) => handler.leaveDirectory(depth),
    close: () => handler.close?.() ?? Promise.resolve(),
    openFile: async (file, times, depth) => {
      const w = await handler.openFile(file, times, depth);
      if ('error' in w) return w;
      const tick = onFileStart(file.name, file.size);
      let n = 0n;
      return {
        write: async (chunk) => {
          n += BigInt(chunk.length);
          tick(n);
          await w.write(chunk);
        },
        finish: (r) => w.finish(r),
        abort: () => w.abort(),
      };
    },
  };
}
