// What statvfs@openssh.com says of a remote file system (SftpSession.fileSystem()),
// from ssh2's reply, whose fields are named as statvfs(3)'s `f_…`.

/** What statvfs@openssh.com says of a remote file system. */
export interface RemoteFileSystem {
  freeBytes: number;
  /** undefined where the file system counts none (btrfs, vfat say 0 of 0). */
  freeInodes?: number;
  readOnly: boolean;
}

const ST_RDONLY = 1n; // statvfs(3)'s f_flag bit

/** ssh2's reply to statvfs@openssh.com: the fields read here. */
export type StatvfsReply = Record<'f_bavail' | 'f_frsize' | 'f_files' | 'f_favail' | 'f_flag', number | bigint>;

/** Room for an unprivileged user, and whether the file system is mounted read-only. */
export function remoteFileSystem(info: StatvfsReply): RemoteFileSystem {
  return {
    freeBytes: Number(info.f_bavail) * Number(info.f_frsize),
    freeInodes: Number(info.f_files) > 0 ? Number(info.f_favail) : undefined,
    readOnly: (BigInt(info.f_flag) & ST_RDONLY) !== 0n,
  };
}
