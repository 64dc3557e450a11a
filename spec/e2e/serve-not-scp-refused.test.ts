// A command that is not scp at all was refused for its words when they held
// a special character: `ls\x1b[31m` as "wildcards are not expanded", as if
// quoting would help. Stock ssh against serve: the refusal names the program;
// an scp command with a wildcard keeps the wildcard refusal.
import { servePerSuite } from '../helpers/serve';
import { runProgram } from '../helpers/run-program';
import { RESTRICTED_BANNER } from '../../lib/server/session';

const serve = servePerSuite();
const ssh = (command: string): ReturnType<typeof runProgram> => runProgram('ssh', [...serve.sshArgs(), '127.0.0.1', command]);

it('refuses a command that is not scp as not allowed, whatever its words hold, escaped for the terminal', async () => {
  expect(await ssh('ls\x1b[31m')).toMatchObject({ status: 1, stderr: `scpipe serve: command not allowed: ls\\x1b[31m${RESTRICTED_BANNER}` });
  expect(await ssh('cat /*.txt')).toMatchObject({ status: 1, stderr: `scpipe serve: command not allowed: cat${RESTRICTED_BANNER}` });
});

it('still refuses an scp command whose path holds a wildcard for the wildcard', async () => {
  expect(await ssh('scp -f /*.txt')).toMatchObject({ status: 1, stdout: '\x01scp: scpipe serve: wildcards are not expanded\n' });
});
