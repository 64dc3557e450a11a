// An ssh_config Host block that names the harness sshd's account under `alias`
// (its port, user, key and known_hosts), as a user's ~/.ssh/config would.
import type { TestAccount, TestSshd } from './sshd';

/** The block's lines, then `extra` (more options, indented), ending in a newline. */
export function hostAlias(alias: string, sshd: TestSshd, account: TestAccount, extra: string[] = []): string {
  return [
    `Host ${alias}`,
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    `  User ${account.name}`,
    `  IdentityFile ${account.keyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${sshd.knownHostsPath}`,
    ...extra.map((line) => `  ${line}`),
    '',
  ].join('\n');
}
