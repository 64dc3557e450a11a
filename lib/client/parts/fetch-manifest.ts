// A parts set's manifest, fetched (retried after a lost connection) and
// checked as it comes.
import { createHash } from 'node:crypto';
import { ScpipeError } from '../../errors';
import { escapeForTerminal } from '../../util/escape';
import type { GetOptions } from '../get-types';
import type { Reconnector } from '../reconnect';
import { MAX_MANIFEST_BYTES, type Manifest } from './manifest';
import { ManifestReader } from './manifest-reader';
import { manifestName } from './names';
import { fetchFile, retrying } from './set-file';

/** The manifest of set `dir + name`, fetched and checked. */
export async function fetchManifest(conn: Reconnector, dir: string, name: string, opts: GetOptions): Promise<Manifest> {
  return (await fetchManifestFile(conn, dir, name, opts)).manifest;
}

/**
 * fetchManifest(), with the manifest file's mode (the set's: put gives its
 * parts and manifest one mode) and its bytes' SHA-256, which tells one
 * upload of the set from another (kept-restore.ts).
 */
export async function fetchManifestFile(conn: Reconnector, dir: string, name: string, opts: GetOptions): Promise<{ manifest: Manifest; mode: number; sha256: string }> {
  return retrying(conn, opts, async (current) => {
    const download = await fetchFile(conn, current, dir + manifestName(name), opts);
    if (download.size > BigInt(MAX_MANIFEST_BYTES)) {
      download.body.destroy();
      throw new ScpipeError('ERR_PROTOCOL', `${escapeForTerminal(manifestName(name))} is ${download.size} bytes, more than the manifest of the longest set put makes (${MAX_MANIFEST_BYTES} bytes): it is no manifest of a parts set`);
    }
    // Read as it comes, line by line: a set of millions of parts has a manifest of hundreds of MB.
    const reader = new ManifestReader(name);
    const sum = createHash('sha256');
    for await (const chunk of download.body) {
      reader.push(chunk as Buffer);
      sum.update(chunk as Buffer);
      if (reader.settled) break; // refused at line 9: the other 250 MB are not read
    }
    return { manifest: reader.end(), mode: download.mode, sha256: sum.digest('hex') };
  });
}
