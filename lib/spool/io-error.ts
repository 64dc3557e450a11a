// Turns a low-level error (usually a Node system error such as
// "ENOSPC: no space left on device, write") into the short human phrase that
// scpipe puts in its one-line messages ("No space left on device").

/** A short description of `err` for a message, without errno code or syscall. */
export function describeIoError(err: unknown): string {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : String(message);
    if (typeof code === 'string') {
      // "ENOSPC: no space left on device, write" -> "No space left on device"
      const prefix = `${code}: `;
      if (text.startsWith(prefix)) {
        const phrase = text.slice(prefix.length).split(',')[0]!.trim();
        if (phrase) return capitalize(phrase);
      }
    }
    return text || String(code ?? 'unknown error');
  }
  return String(err);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
