// How many channels an SFTP transfer uses when not told. An OpenSSH session
// channel has a fixed 2 MiB window (docs/protocol.md §10), so one channel
// carries at most 2 MiB per round trip: ~2 GB/s at 1 ms, which nothing here
// reaches, but ~100 MB/s at 20 ms and ~20 MB/s at 100 ms. The round trip is
// measured with the cheapest request (the best of two `stat .`), not with the
// session's set-up: that is mostly the server starting sftp-server (70-120 ms
// on loopback here). One more channel per 5 ms of round trip keeps a few
// hundred MB/s in flight, up to MAX_LANES (OpenSSH's MaxSessions default is
// 10 per connection).

/** The most channels chosen without --parallel. */
export const MAX_LANES = 8;
/** Channels for a round trip of `rttMs`: 1 below 2 ms (loopback, a LAN), then one per 5 ms. */
export function chooseLanes(rttMs: number): number {
  if (!(rttMs >= 2)) return 1;
  return Math.min(MAX_LANES, Math.max(2, Math.ceil(rttMs / 5)));
}
