// The known_hosts file the openssh transport's unknown-key hint appends to,
// as a shell reads the command back.
import { unknownKeyHint } from '../../../lib/transport/openssh-unknown-key';
import { execFileSync } from 'node:child_process';
import { parseEffective } from '../../../lib/transport/openssh-effective';

it('a -o UserKnownHostsFile under ~ (ssh expands it): the ~ is left for the shell to expand, the rest quoted as needed', () => {
  const hint = unknownKeyHint({ host: 'h', options: ['UserKnownHostsFile=~/.ssh/kh$1'] }, { hostname: 'h', port: 22 });
  expect(hint).toMatch(/add it with: ssh-keyscan h >> ~\/'\.ssh\/kh\$1'\)$/);
  const plain = unknownKeyHint({ host: 'h', options: ['UserKnownHostsFile=~/.ssh/kh_backup'] }, { hostname: 'h', port: 22 });
  expect(plain).toMatch(/ >> ~\/\.ssh\/kh_backup\)$/);
});

// ssh takes a HostKeyAlias with a / or & as it is: the pasted sed files the key under it, not fails or mangles it.
it('a HostKeyAlias with sed\'s own characters: the pasted sed renames the key to it as written', () => {
  const alias = 'site/a&b\\c';
  const hint = unknownKeyHint({ host: 'h' }, { hostname: 'h.example', port: 22, hostKeyAlias: alias });
  const sed = / \| (sed .*?) >> /.exec(hint)![1]!;
  const out = execFileSync('sh', ['-c', `printf 'h.example ssh-ed25519 AAAA\\n' | ${sed}`], { encoding: 'utf8' });
  expect(out).toBe(`${alias} ssh-ed25519 AAAA\n`);
});

// ssh -G joins the files unquoted: the hint appends to the first one whole, quoted for the shell.
it('a first UserKnownHostsFile holding a space, quoted in -o: the hint appends to it whole', () => {
  const effective = parseEffective('hostname h\nport 22\nuserknownhostsfile /tmp/a b/kh /tmp/c\n');
  const hint = unknownKeyHint({ host: 'h', options: ['UserKnownHostsFile="/tmp/a b/kh" /tmp/c'] }, effective);
  expect(hint).toMatch(/ >> '\/tmp\/a b\/kh'\)$/);
});
