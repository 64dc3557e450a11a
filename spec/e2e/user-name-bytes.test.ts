// A user name that is not UTF-8 (a Latin-1 `caf\xe9@host`): ssh2 writes the
// name as UTF-8 only, so the server was asked for another name and the run
// ended in "Permission denied" (exit 255), as if the key were wrong.
// OpenSSH's ssh sends the bytes: the built-in transport now refuses the
// name before connecting and says which transport takes it.
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli, sshFlags } from '../helpers/cli';
import { BYTE_ARGS, byteArg } from '../helpers/latin1-tree';

const sshd = sshdPerSuite();

it('get as caf\\xe9@host over the built-in transport: exit 2 naming it, before any login', async () => {
  const r = await runCli(['get', ...sshFlags(sshd, sshd.user), '-v', byteArg(`caf\xe9@${sshd.host}:f`)], { wrapper: BYTE_ARGS });
  // -v: the version line, then this alone (no "connecting to").
  const said = r.stderr.split('\n').filter((l) => !l.startsWith('scpipe: scpipe '));
  expect({ status: r.status, stdout: r.stdout.toString(), said }).toEqual({
    status: 2,
    stdout: '',
    said: ['scpipe: the user name "caf\\xe9" is not UTF-8, and the built-in transport can send only UTF-8 names: use --transport openssh, which sends its bytes', ''],
  });
});
