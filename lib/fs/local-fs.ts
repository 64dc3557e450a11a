// Whether a directory is on a file system only this machine's kernel writes:
// one on a disk of its own (ext4, xfs, btrfs, zfs, FAT...) or in RAM, told by
// statfs(2)'s type magic (linux/magic.h). Network, cluster and FUSE ones
// (nfs, cifs, ceph, gfs2, sshfs...) may be written by other machines at once,
// and so may any type not listed here: taken for shared.
import { statfs } from './byte-fs';

const LOCAL: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x2fc12fc1, 'zfs'],
  [0xf2f52010, 'f2fs'],
  [0xca451a4e, 'bcachefs'],
  [0x52654973, 'reiserfs'],
  [0x3153464a, 'jfs'],
  [0x3434, 'nilfs'],
  [0x4d44, 'vfat'],
  [0x2011bab0, 'exfat'],
  [0x5346544e, 'ntfs'],
  [0x482b, 'hfsplus'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0x794c7630, 'overlay'], // a container's root: its upper layer is one of the above
]);

const SHARED: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x517b, 'smb'],
  [0x65735546, 'fuse'],
  [0x01021997, '9p'],
  [0x00c36400, 'ceph'],
  [0x01161970, 'gfs2'],
  [0x7461636f, 'ocfs2'],
  [0x0bd00bd0, 'lustre'],
  [0x5346414f, 'afs'],
]);

/** The file system of `dir`: its name (or type magic), and whether only this machine writes it; unknown where statfs fails. */
export async function fileSystemOf(dir: string): Promise<{ local: boolean; name: string }> {
  const type = await statfs(dir, { bigint: true }).then(
    (s) => Number(BigInt.asUintN(32, s.type)),
    () => undefined,
  );
  if (type === undefined) return { local: false, name: 'a file system statfs cannot tell' };
  const local = LOCAL.get(type);
  return local !== undefined ? { local: true, name: local } : { local: false, name: SHARED.get(type) ?? `type 0x${type.toString(16)}` };
}
