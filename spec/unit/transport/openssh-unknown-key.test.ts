// The known_hosts file the openssh transport's unknown-key hint appends to,
// as a shell reads the command back.
import { unknownKeyHint } from '../../../lib/transport/openssh-unknown-key';

it('a -o UserKnownHostsFile under ~ (ssh expands it): the ~ is left for the shell to expand, the rest quoted as needed', () => {
  const hint = unknownKeyHint({ host: 'h', options: ['UserKnownHostsFile=~/.ssh/kh$1'] }, { hostname: 'h', port: 22 });
  expect(hint).toMatch(/add it with: ssh-keyscan h >> ~\/'\.ssh\/kh\$1'\)$/);
  const plain = unknownKeyHint({ host: 'h', options: ['UserKnownHostsFile=~/.ssh/kh_backup'] }, { hostname: 'h', port: 22 });
  expect(plain).toMatch(/ >> ~\/\.ssh\/kh_backup\)$/);
});
