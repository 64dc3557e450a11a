// The test sshd lives in testkit/, shared with the benchmark.
import type { TestAccount, TestSshd } from '../../testkit/sshd';

export * from '../../testkit/sshd';

/** The library's connection options for `account` on the test sshd (its key, its known_hosts, no config). */
export function connectOptions(sshd: TestSshd, account: TestAccount) {
  return {
    host: '127.0.0.1',
    port: sshd.port,
    user: account.name,
    identityFiles: [account.keyPath],
    configFile: 'none',
    options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'StrictHostKeyChecking=yes'],
  };
}
