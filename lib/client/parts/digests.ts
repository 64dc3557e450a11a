// Parts' SHA-256 sums as 32 bytes a part in one buffer, at the part's
// index, not a 64-character string each: a set may have millions of parts
// (manifest.ts MAX_PARTS). Shared by what put confirms (part-log.ts) and
// what get reads (manifest-reader.ts, manifest.ts digestTable).

/** Bytes of one SHA-256. */
export const SHA256_BYTES = 32;

/** A copy of `digests` with room for `parts` sums, those it held first. */
export function withRoomFor(digests: Buffer, parts: number): Buffer<ArrayBuffer> {
  const grown = Buffer.alloc(parts * SHA256_BYTES);
  digests.copy(grown);
  return grown;
}

/** Stores part `index`'s sum, given in hex. */
export function putSum(digests: Buffer, index: number, hex: string): void {
  digests.write(hex, index * SHA256_BYTES, SHA256_BYTES, 'hex');
}

/** Part `index`'s sum, in hex. */
export function sumAt(digests: Buffer, index: number): string {
  return digests.toString('hex', index * SHA256_BYTES, (index + 1) * SHA256_BYTES);
}
