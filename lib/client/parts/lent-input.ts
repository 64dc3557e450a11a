// A parts run's input from a descriptor (`{ fd }`). A pipe or socket on
// stdin is read into 256 KiB blocks lent from a pool (spool/pipe-reads.ts),
// each lent again once every byte of it is given back: by the part writer
// once written to the part's spool file, or once the part held in RAM is
// disposed (part-writer.ts). So a stream of any size cycles through about
// --memory of blocks instead of a fresh 64 KiB buffer per read, whose page
// faults and full collections cost CPU (docs/performance.md §3). Any other
// descriptor is read as chunks of its own memory (descriptor-chunks.ts).
import { fstatSync } from 'node:fs';
import { ReplyPool } from '../../sftp/reply-pool';
import { PipeReads } from '../../spool/pipe-reads';
import { BODY_CHUNK } from '../../util/body-chunk';
import { descriptorChunks } from '../descriptor-chunks';

/** The chunks of a descriptor, and who to give them back to once done with (undefined: nobody). */
export interface DescriptorParts {
  chunks: AsyncIterable<Uint8Array>;
  giveBack?: (piece: Buffer) => void;
  /** The reader needs this many bytes more to finish its part (PipeReads.want). */
  want?: (bytes: number) => void;
}

/** `fd` read as chunks; `room`: the RAM the blocks are lent for (--memory), never more kept idle. */
export function descriptorParts(fd: number, room: number): DescriptorParts {
  const st = fstatSync(fd);
  if (fd > 2 || !(st.isFIFO() || st.isSocket())) return { chunks: descriptorChunks(fd) };
  const pool = new ReplyPool();
  // Eager: a part is cut as its last byte comes, not once a block is full
  // (the cutter says how many it needs); the last block's bytes come back as filled.
  const reads = new PipeReads(fd, () => pool.lendBlock(BODY_CHUNK, room), { eager: true, onEnd: (block, filled) => pool.settle(block, filled) });
  const done = { done: true as const, value: undefined };
  const chunks: AsyncIterator<Uint8Array> = {
    next: async () => {
      const block = await reads.next();
      return block === undefined ? done : { done: false, value: block };
    },
    return: async () => {
      reads.close();
      return done;
    },
  };
  return { chunks: { [Symbol.asyncIterator]: () => chunks }, giveBack: (piece) => pool.giveBack(piece), want: (bytes) => reads.want(bytes) };
}
