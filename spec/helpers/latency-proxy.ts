// The latency proxy lives in testkit/, shared with the benchmark.
export * from '../../testkit/latency-proxy';
