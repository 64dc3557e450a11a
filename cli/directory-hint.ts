// get of a directory (`get vault:backups/`) is often a look for what is
// there, and scpipe has no ls: the refusal says what reads a directory and
// that a set is named by its manifest, with the glob that copies those over
// SCP, whose remote shell expands it, or OpenSSH's sftp that lists them over
// SFTP (docs/nightly.md).
import { isScpipeError } from '../lib';
import { withMessage } from '../lib/internal';
import { pasteTarget, type PasteSpec } from './paste-target';

// scp -f's answer for a directory without -r (a FIFO's too), and get's own for one over SFTP.
const SCP_NOT_A_FILE = /^remote: .*: not a regular file$/;
const SFTP_DIRECTORY = /: is a directory$/;
// A directory --quote none hands the remote shell as it is: no space, quote or glob of its own.
const PLAIN = /^[\w@%+=:,./-]*$/;

/** `err` with what reads a directory and lists its sets, when get was refused one; else `err`. */
export function withDirectoryHint(err: unknown, spec: PasteSpec): unknown {
  if (!isScpipeError(err, 'ERR_REMOTE')) return err;
  const scp = SCP_NOT_A_FILE.test(err.message);
  if (!scp && !SFTP_DIRECTORY.test(err.message)) return err;
  const dir = spec.path.replace(/\/+$/, '');
  const glob = dir === '' ? '*.sha256' : `${dir}/*.sha256`;
  // Over SFTP, OpenSSH's sftp lists them: given a directory, it starts in it (docs/nightly.md).
  const list = !scp
    ? `: \`sftp ${pasteTarget(spec, dir === '' ? '.' : dir, { program: 'sftp' })}\` then \`ls -l\` lists them`
    : PLAIN.test(dir)
      ? `: \`scpipe cp ${pasteTarget(spec, glob, { quote: 'none' })} DIR/\` copies them into a directory DIR`
      : '';
  return withMessage(err, `${err.message}; get reads a file or a parts set, and scpipe cp -r a directory; the sets in a directory are named by their manifests, NAME.sha256${list}`);
}
