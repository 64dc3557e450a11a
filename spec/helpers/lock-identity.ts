// This process's boot and pid namespace as a resume lock names them
// (lib/client/resume-lock.ts): a lock written by a test with them is one this
// process may break once its pid is gone.
import { readFileSync, readlinkSync } from 'node:fs';

export const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
export const pidns = /\d+/.exec(readlinkSync('/proc/self/ns/pid'))![0];
/** The end of a lock line made on this boot, in this pid namespace. */
export const lockIdentity = `boot=${boot} pidns=${pidns}`;
