// The text a new symbolic link keeps. sftp-server stores the client's text
// as given, so the kernel takes each `..` after the links before it:
// `/latest/../x`, with latest -> backups/day, leads to backups/x in an
// internal-sftp chroot. serve keeps the names and `..`s too, not the place
// they lead to by name (x). Because serve is not chrooted, an absolute
// target (a client path) becomes relative to the link's directory, or it
// would lead from the host's `/`; and a `..` it takes at the root, which
// the chroot ignores, is left out, or the kernel would climb above the root.
// A relative target is kept as given; one that climbs above the root is refused.
import { posix } from 'node:path';
import { walkDotdot } from '../dotdot-walk';
import type { Jail } from '../jail';
import { LEADS_OUTSIDE } from '../real-directory';

/** A new link's text, and where it leads now (the kernel's way), for the caller's checks. */
export interface LinkText {
  text: string;
  leadsTo: string;
}

/**
 * The text to store for a link in `linkDir` (a real directory inside the
 * root) to the client's `target`, or LEADS_OUTSIDE when a name before a
 * `..` leads outside, or a relative target's `..` would leave the root.
 * Where the link leads after its last `..` is the caller's to check.
 */
export async function linkText(jail: Jail, linkDir: string, target: string): Promise<LinkText | typeof LEADS_OUTSIDE> {
  const absolute = target.startsWith('/');
  // A name before a `..` that is missing (or no directory) is taken by name,
  // as the link would lead once it is made.
  const targetNames = target.split('/').filter((n) => n !== '' && n !== '.');
  const walked = await walkDotdot(jail, absolute ? jail.root : linkDir, targetNames, { dropAtRoot: absolute, missingByName: true });
  if (!('leadsTo' in walked)) return LEADS_OUTSIDE;
  if (!absolute) return { text: target, leadsTo: walked.leadsTo };
  // From the link's directory up to the root, then the names: a leading part
  // that names that directory itself (real directories, no links) is left out.
  const up = posix.relative(jail.root, linkDir).split('/').filter((n) => n !== '');
  let same = 0;
  while (same < up.length && same < walked.kept.length && walked.kept[same] === up[same]) same++;
  const own = walked.kept.slice(same);
  const names = [...up.slice(same).map(() => '..'), ...own];
  const text = names.length === 0 ? '.' : names.join('/') + (own.length > 0 && target.endsWith('/') ? '/' : '');
  return { text, leadsTo: walked.leadsTo };
}
