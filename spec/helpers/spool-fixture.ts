// What the tests of spool(DescriptorInput) share: fresh directories, input
// descriptors (regular files, FIFOs), and spools, all cleaned up after each
// test, which also checks that no spool file is left behind, by name or as
// an open descriptor, in the test's directories or in /dev/shm.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';
import { DescriptorInput, spool, type Spool, type SpoolOptions } from '../../lib/spool';
import { openFilesIn, openSpoolFilesIn } from './open-files';

export interface SpoolFixture {
  /** A fresh directory, removed after the test. */
  freshDir(): string;
  /** fs.openSync, closed after the test unless the test closed it (then call forget()). */
  open(file: string, flags: number | string): number;
  /** Stops closing `fd` after the test: the test closed it itself. */
  forget(fd: number): void;
  /** An fd reading `bytes` from a regular file. */
  fileFd(bytes: Buffer): number;
  /** A FIFO: a non-blocking read end and its write end. */
  fifo(): { reader: number; writer: number };
  /** spool() of `fd`, disposed after the test. */
  take(fd: number, opts: SpoolOptions): Promise<Spool>;
}

/** Registers the clean-up hook of the current describe block (or file) and returns the fixture. */
export function spoolFixture(): SpoolFixture {
  let dirs: string[] = [];
  let fds: number[] = [];
  let spools: Spool[] = [];

  const fixture: SpoolFixture = {
    freshDir() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
      dirs.push(dir);
      return dir;
    },
    open(file, flags) {
      const fd = fs.openSync(file, flags);
      fds.push(fd);
      return fd;
    },
    forget(fd) {
      fds = fds.filter((other) => other !== fd);
    },
    fileFd(bytes) {
      const file = path.join(fixture.freshDir(), 'input');
      fs.writeFileSync(file, bytes);
      return fixture.open(file, 'r');
    },
    fifo() {
      const file = path.join(fixture.freshDir(), 'fifo');
      execFileSync('mkfifo', [file]);
      const reader = fixture.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const writer = fixture.open(file, fs.constants.O_WRONLY);
      return { reader, writer };
    },
    async take(fd, opts) {
      const result = await spool(new DescriptorInput(fd), opts);
      spools.push(result);
      return result;
    },
  };

  afterEach(async () => {
    // Taken first: a failed check must not leave them to the next test.
    const [taken, opened, made] = [spools, fds, dirs];
    [spools, fds, dirs] = [[], [], []];
    for (const s of taken) await s.dispose();
    for (const fd of opened) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed by the test
      }
    }
    for (const dir of made) {
      try {
        expect(fs.readdirSync(dir).filter((n) => n.startsWith('scpipe-spool-'))).toEqual([]);
        expect(openFilesIn(dir)).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    if (fs.existsSync('/dev/shm')) expect(openSpoolFilesIn('/dev/shm')).toEqual([]);
  });

  return fixture;
}

/** Everything a spool replays, as one Buffer. */
export async function readAll(s: Spool): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of s.replay()) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** SHA-256 of `bytes`, hex: compares megabytes without printing them. */
export function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
