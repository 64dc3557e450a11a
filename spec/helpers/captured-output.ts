// A stand-in for stderr that keeps what is written to it, for the tests of
// the progress and status lines.

/** A WriteStream whose writes are kept; text(): all of them so far. */
export function captured(): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}
