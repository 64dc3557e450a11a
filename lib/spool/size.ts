// Byte sizes for humans: parsing size options such as `--memory 64M`, and
// formatting byte counts for messages and progress output.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

const UNIT_EXPONENT: Readonly<Record<string, bigint>> = { '': 0n, k: 1n, m: 2n, g: 3n, t: 4n };

// digits, an optional single space, then an optional unit: B, or K/M/G/T
// optionally followed by B or iB. Case-insensitive.
const SIZE_PATTERN = /^(\d+) ?(?:([kmgt])(?:i?b)?|b)?$/i;

/**
 * Parses a byte size given on the command line, e.g. `64M`, into bytes.
 *
 * Accepted: a whole number of bytes (`0` included) with an optional suffix.
 * Every suffix is binary (1024-based), whatever its spelling: `K`, `k`, `KB`,
 * `KiB` and `kib` all mean 1024 bytes; likewise M (1024²), G (1024³) and
 * T (1024⁴). A bare `B` means bytes. Surrounding whitespace and one space
 * before the suffix are allowed (`"64 MiB"`). Fractions, signs and anything
 * else are refused with ScpipeError('ERR_USAGE').
 */
export function parseByteSize(text: string): bigint {
  const match = SIZE_PATTERN.exec(String(text).trim());
  if (!match) {
    throw new ScpipeError(
      'ERR_USAGE',
      `bad size "${escapeForTerminal(String(text))}": expected a whole number of bytes ` +
        'with an optional K, M, G or T suffix (1024-based), e.g. 64M',
    );
  }
  const exponent = UNIT_EXPONENT[(match[2] ?? '').toLowerCase()]!;
  return BigInt(match[1]!) * 1024n ** exponent;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * Formats a byte count for people: `17 B`, `812 KiB`, `1.5 GiB`, `12.3 MiB`.
 * Binary units; one decimal below 100 of a unit, whole numbers above, and a
 * trailing `.0` dropped.
 */
export function formatBytes(n: bigint | number): string {
  if (typeof n === 'number' && !Number.isFinite(n)) return `${n} B`;
  let whole = typeof n === 'bigint' ? n : BigInt(Math.round(n));
  const sign = whole < 0n ? '-' : '';
  if (whole < 0n) whole = -whole;
  if (whole < 1024n) return `${sign}${whole} B`;

  let unit = 0;
  while (unit < UNITS.length - 1 && whole >= 1024n ** BigInt(unit + 1)) unit++;
  let value = Number(whole) / 1024 ** unit;
  let text = round(value);
  // 1023.96 KiB rounds to "1024 KiB": say "1 MiB" instead.
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    unit++;
    value /= 1024;
    text = round(value);
  }
  return `${sign}${text} ${UNITS[unit]}`;
}

function round(value: number): string {
  if (value >= 100) return String(Math.round(value));
  return String(Math.round(value * 10) / 10);
}
