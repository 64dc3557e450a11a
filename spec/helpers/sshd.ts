// The test sshd lives in testkit/, shared with the benchmark.
export * from '../../testkit/sshd';
