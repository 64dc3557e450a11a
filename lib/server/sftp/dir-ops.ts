// opendir and readdir. As sftp-server: entries carry lstat() attributes and
// an `ls -l` longname, a reply holds up to 100 entries, and EOF ends the
// listing. Differences: `.` and `..` are not listed (Node's opendir skips
// them; clients add nothing with them), and a reply also stays under the
// packet limit whatever the names' lengths. An entry that vanished between
// readdir and lstat is skipped, as there. Names are read as bytes and listed
// as the bytes they are (util/byte-text.ts), as sftp-server lists them, so
// a Latin-1 name reaches the client unchanged and a request naming it
// reaches the same file; under its U+FFFD form it would be found missing
// and left out of an `scp -r` that then ends 0.
import { lstat, opendirBytes } from '../../fs/byte-fs';
import { fromBytes } from '../../util/byte-text';
import { longName } from './attrs';
import type { OpsContext } from './context';
import type { DirEntry } from './handles';
import { entrySize, handleReply, namesReply, statusReply, type Entry } from './replies';
import type { Req } from './requests';
import { toFailure } from './status';
import { MAX_PACKET, STATUS } from './wire';

const ENTRIES_PER_REPLY = 100;

export async function openDirectory(ctx: OpsContext, req: Req<'opendir'>): Promise<Buffer> {
  ctx.handles.reserve();
  const host = await ctx.paths.follow(req.path);
  let dir;
  try {
    dir = await opendirBytes(host);
  } catch (err) {
    throw toFailure(err, req.path);
  }
  const entry: DirEntry = { kind: 'dir', dir, path: req.path, hostPath: host };
  return handleReply(req.id, ctx.handles.add(entry));
}

export async function readDirectory(ctx: OpsContext, req: Req<'readdir'>): Promise<Buffer> {
  const d = ctx.handles.dir(req.handle);
  // Entries are lstat'ed by name: the directory's path must still lead inside
  // (a rename since opendir could have put a symlink to elsewhere there).
  await ctx.paths.follow(d.path);
  const entries: Entry[] = [];
  let bytes = 64;
  try {
    let names = d.held ?? [];
    d.held = undefined;
    while (entries.length < ENTRIES_PER_REPLY) {
      while (names.length < ENTRIES_PER_REPLY - entries.length) {
        const raw = (await d.dir.read())?.name as Buffer | undefined;
        if (raw === undefined) break;
        names.push(raw);
      }
      if (names.length === 0) break;
      // All at once: one after another, each a round trip to the thread pool, they took most of a listing's time.
      const stats = await Promise.all(names.map((raw) => lstat(`${d.hostPath === '/' ? '' : d.hostPath}/${fromBytes(raw)}`).catch(() => undefined)));
      for (let i = 0; i < names.length; i++) {
        const stat = stats[i];
        if (!stat) continue;
        const name = fromBytes(names[i]!);
        const e = { name, longname: longName(name, stat), stats: stat };
        if (bytes + entrySize(e) > MAX_PACKET - 1024) {
          d.held = names.slice(i);
          return namesReply(req.id, entries);
        }
        bytes += entrySize(e);
        entries.push(e);
      }
      names = [];
    }
  } catch (err) {
    throw toFailure(err, d.path);
  }
  return entries.length > 0 ? namesReply(req.id, entries) : statusReply(req.id, STATUS.EOF);
}
