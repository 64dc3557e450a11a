// The remote opening an ssh2 channel's send window (CHANNEL_WINDOW_ADJUST),
// which ssh2 tells of by no event: its handler adds to `outgoing.window`
// (lib/client.js, ssh2 1.x), so that field is watched for a rise. Not public
// API: checked before use, and nothing is changed where it is not there.

interface Outgoing {
  outgoing: { window: number };
}

/** Calls `opened` each time the peer adds room to the send window of `stdin`, an ssh2 channel; false (nothing watched) for another stream. */
export function onWindowOpened(stdin: unknown, opened: () => void): boolean {
  const outgoing = (stdin as Partial<Outgoing> | null)?.outgoing;
  const own = outgoing === undefined ? undefined : Object.getOwnPropertyDescriptor(outgoing, 'window');
  if (own === undefined || typeof own.value !== 'number' || own.writable !== true || own.configurable !== true) return false;
  let window: number = own.value;
  Object.defineProperty(outgoing, 'window', {
    get: () => window,
    set: (to: number) => {
      const rose = to > window;
      window = to;
      if (rose) opened();
    },
    enumerable: own.enumerable ?? true,
    configurable: true,
  });
  return true;
}
