// The SHA-256 of a download, taken as its bytes are written out, and checked
// against the sum the caller expects before the download counts as done
// (for a file: before it takes the target's name). A parts set's sum is its
// manifest's, which get-parts.ts has checked by then.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { createHash, type Hash } from 'node:crypto';
import type { Download } from './get-types';

/** What saveDownload() and getTo() feed and ask. */
export class SumCheck {
  private readonly sum: Hash | undefined;
  private bytes = 0;
  /** The sum, once verify() resolved. */
  sha256: string | undefined;

  constructor(
    private readonly download: Download,
    private readonly expected: string | undefined,
    private readonly where: string,
    /** The remote file as the caller named it, escaped: a set's or a link's own name is not what was asked for. */
    private readonly shown: string = escapeForTerminal(download.name),
  ) {
    this.sum = download.manifest === undefined ? (download.resumed?.whole ?? createHash('sha256')) : undefined; // a resumed file's: its kept bytes summed
  }

  /** Adds bytes written out. */
  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.sum?.update(chunk);
  }

  /**
   * A parts set's sum is its manifest's, known before a byte is fetched:
   * ERR_CHECKSUM at once when it is not the one expected (`where`: what is
   * left), so a restore is not fed a whole stream that is then said wrong.
   */
  checkManifest(where: string): void {
    const manifest = this.download.manifest;
    if (manifest === undefined || this.expected === undefined || manifest.sha256 === this.expected) return;
    throw new ScpipeError(
      'ERR_CHECKSUM',
      `${this.shown} is not what was expected: its manifest gives its SHA-256 as ${manifest.sha256}, not ${this.expected}; ${where}`,
      { bytes: 0n, sha256: manifest.sha256 },
    );
  }

  /** The sum; ERR_CHECKSUM when it is not the one expected. */
  async verify(): Promise<string> {
    const hex = this.sum ? this.sum.digest('hex') : this.download.manifest!.sha256;
    if (this.expected !== undefined && hex !== this.expected) {
      throw new ScpipeError(
        'ERR_CHECKSUM',
        `${this.shown} is not what was expected: its SHA-256 is ${hex}, not ${this.expected}; ${this.where}`,
        { bytes: BigInt(this.bytes), sha256: hex },
      );
    }
    this.sha256 = hex;
    return hex;
  }
}
