// cp's report of each file it stored (CopyOptions.onFileCopied), with the
// SHA-256 taken in the same pass when asked: `cp --checksum-file` writes one
// sha256sum line per file from it.

/** A file that cp stored. */
export interface CopiedFile {
  /** Its local path: the one read (upload), or the one written (download). */
  localPath: string;
  bytes: bigint;
  /** With the `sha256` option: of the bytes as they were sent or received. */
  sha256?: string;
}

/** The local-source/local-sink options that report each file copied. */
export function copiedFileOptions(opts: { sha256?: boolean; onFileCopied?: (file: CopiedFile) => void }): { sha256?: boolean; onFile?: (path: string, bytes: bigint, sha256?: string) => void } {
  const { onFileCopied } = opts;
  return { sha256: opts.sha256, onFile: onFileCopied && ((localPath, bytes, sha256) => onFileCopied({ localPath, bytes, sha256 })) };
}
