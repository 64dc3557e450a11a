// A tree whose names are Latin-1 bytes (not UTF-8), and a listing of one as
// it is on disk, for the tests that copy such names byte for byte.
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync, statSync } from 'node:fs';

/** A path as the Latin-1 bytes of `text`. */
export const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * d\xe9/{f\xfe, f\xff, ok, s\xfc/g\xe0} under `at`: names that are not UTF-8
 * at every level; f\xfe and f\xff would both be f\u{fffd}, one file, if decoded.
 */
export async function latin1Tree(at: string): Promise<void> {
  await mkdir(bytes(`${at}/d\xe9/s\xfc`), { recursive: true });
  await writeFile(bytes(`${at}/d\xe9/f\xfe`), 'fe body');
  await writeFile(bytes(`${at}/d\xe9/f\xff`), 'ff body');
  await writeFile(bytes(`${at}/d\xe9/ok`), 'utf-8 name');
  await writeFile(bytes(`${at}/d\xe9/s\xfc/g\xe0`), 'e0 body');
}

/** What treeOf() gives for a copy of latin1Tree(). */
export const LATIN1_TREE = ['d\xe9/', 'd\xe9/f\xfe: fe body', 'd\xe9/f\xff: ff body', 'd\xe9/ok: utf-8 name', 'd\xe9/s\xfc/', 'd\xe9/s\xfc/g\xe0: e0 body'];

/** Every entry under `dir`: its path in Latin-1 (bytes kept) and its content. */
export function treeOf(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(bytes(dir), { encoding: 'buffer' }).map((b) => b.toString('latin1')).sort()) {
    const path = `${dir}/${name}`;
    if (statSync(bytes(path)).isDirectory()) out.push(`${prefix}${name}/`, ...treeOf(path, `${prefix}${name}/`));
    else out.push(`${prefix}${name}: ${readFileSync(bytes(path), 'latin1')}`);
  }
  return out;
}

/**
 * runCli's `wrapper` that gives the CLI arguments as bytes: each argument
 * goes through bash's printf %b, so `byteArg()`'s escapes become bytes.
 */
export const BYTE_ARGS = ['bash', '-c', 'a=(); for x in "$@"; do b=$(printf "%bx" "$x"); a+=("${b%x}"); done; exec "${a[@]}"', 'bash'];

/** `text`'s Latin-1 bytes above 0x7f as printf %b escapes, for BYTE_ARGS. */
export const byteArg = (text: string): string => text.replace(/[\x80-\xff]/g, (c) => `\\0${c.charCodeAt(0).toString(8)}`);
