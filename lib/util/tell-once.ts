// A callback told at most once, as its option promises: a retry after the
// commit point (a connection lost while the exit status was awaited) would
// pass the point again and tell it twice.
export function tellOnce(fn: (() => void) | undefined): (() => void) | undefined {
  if (fn === undefined) return undefined;
  let told = false;
  return () => {
    if (told) return;
    told = true;
    fn();
  };
}
