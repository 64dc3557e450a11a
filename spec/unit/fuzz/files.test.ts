// Seeded fuzzing of the files scpipe reads that others wrote or changed: a
// parts manifest (from the server), a checksum file, known_hosts and an
// ssh config. Each gives what was written, or an ScpipeError, never
// another exception.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScpipeError } from '../../../lib/errors';
import { ManifestReader, parseManifest } from '../../../lib/client/parts/manifest-reader';
import { formatManifest, type Manifest } from '../../../lib/client/parts/manifest';
import { partName } from '../../../lib/client/parts/names';
import { formatChecksumLine, parseChecksumFile } from '../../../lib/util/checksum-file';
import { checkHostKey } from '../../../lib/transport/known-hosts';
import { resolveHost } from '../../../lib/transport/ssh-config';
import { fuzz, mutate, Rng, split } from '../../helpers/fuzz';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];
const NAME_CHARS = Array.from('ab .-#é\r\\\u2028 ');

const randomName = (rng: Rng, max = 12): string => Array.from({ length: 1 + rng.int(max) }, () => rng.pick(NAME_CHARS)).join('');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-test-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomManifest(rng: Rng): Manifest {
  const name = randomName(rng).replace(/^[#\s]+/, 'n');
  const partSize = BigInt(1 + rng.int(1000));
  const count = rng.int(6);
  const last = count === 0 ? 0n : BigInt(1 + rng.int(Number(partSize)));
  const hex = (): string => rng.bytes(32).toString('hex');
  const parts = Array.from({ length: count }, (_, i) => ({ name: partName(name, i), size: i === count - 1 ? last : partSize, sha256: hex() }));
  const size = parts.reduce((a, p) => a + p.size, 0n);
  return { version: 1, name, size, partSize, sha256: hex(), time: '2026-01-02T03:04:05.678Z', parts };
}

it('reads back every manifest put writes, whatever pieces it comes in', () => {
  fuzz(SEEDS, 60, (rng) => {
    const m = randomManifest(rng);
    const reader = new ManifestReader(m.name);
    for (const piece of split(rng, Buffer.from(formatManifest(m)))) reader.push(piece);
    const back = reader.end();
    expect({ ...back, parts: back.parts }).toEqual(m);
  });
});

it('answers a changed manifest with a manifest or ERR_PROTOCOL', () => {
  fuzz(SEEDS, 250, (rng) => {
    const m = randomManifest(rng);
    try {
      parseManifest(mutate(rng, Buffer.from(formatManifest(m))).toString('utf8'), m.name);
    } catch (err) {
      expect(err).toMatchObject({ code: 'ERR_PROTOCOL' });
      throw err;
    }
  });
});

it('reads back every checksum line it writes, and a changed one as a line or ERR_USAGE', () => {
  fuzz(SEEDS, 250, (rng) => {
    const name = randomName(rng).replace(/\r$/, 'x');
    const hex = rng.bytes(32).toString('hex');
    const line = formatChecksumLine(hex, name);
    expect(parseChecksumFile(line, 'sums')).toEqual([{ sha256: hex, name }]);
    parseChecksumFile(mutate(rng, Buffer.from(line)).toString('utf8'), 'sums');
  });
});

const KEY = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');

it('takes any known_hosts file: a status, or an ScpipeError', async () => {
  const file = join(dir, 'known_hosts');
  const text = Buffer.from(
    `host,[h2]:2222,*.x,!bad ssh-ed25519 ${KEY.toString('base64')} c\n@cert-authority *.y ssh-ed25519 ${KEY.toString('base64')}\n` +
      `@revoked h3 ssh-ed25519 ${KEY.toString('base64')}\n|1|${Buffer.alloc(20, 1).toString('base64')}|${Buffer.alloc(20).toString('base64')} ssh-rsa AAAA\n`,
  );
  for (const seed of SEEDS) {
    const rng = new Rng(seed);
    for (let round = 0; round < 40; round++) {
      writeFileSync(file, mutate(rng, text));
      await checkHostKey({ files: [file], host: rng.pick(['host', 'h2', 'a.x', 'bad', 'z.y', 'h3']), port: rng.pick([22, 2222]), key: KEY }).catch((err: unknown) => {
        if (!(err instanceof ScpipeError)) throw new Error(`seed ${seed}, round ${round}: ${String(err)}`);
      });
    }
  }
});

it('takes any ssh config: the settings, or an ScpipeError', async () => {
  const file = join(dir, 'config');
  const text = Buffer.from(
    'Host a b* !c\n  HostName %h.example\n  Port 2222\n  User u\n  IdentityFile ~/.ssh/k\nMatch host x user y\n  ProxyJump j\n' +
      'Host *\n  ServerAliveInterval 1m30s\n  ConnectTimeout 5\n  StrictHostKeyChecking accept-new\n  Ciphers aes128-ctr,+chacha20-poly1305@openssh.com\n',
  );
  for (const seed of SEEDS) {
    const rng = new Rng(seed);
    for (let round = 0; round < 40; round++) {
      writeFileSync(file, mutate(rng, text));
      await resolveHost(rng.pick(['a', 'bb', 'c', 'x']), { configFile: file, homeDir: dir, systemConfigFile: 'none' }).catch((err: unknown) => {
        if (!(err instanceof ScpipeError)) throw new Error(`seed ${seed}, round ${round}: ${String(err)}`);
      });
    }
  }
});
