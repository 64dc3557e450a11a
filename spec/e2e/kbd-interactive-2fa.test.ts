// keyboard-interactive with a second, non-password question (a 2FA code),
// as PAM stacks with an OTP module ask it: SCPIPE_PASSWORD answers the
// password prompt only, never the code's. (An ssh2 server stands in for
// sshd: this machine has no PAM OTP module to stack.)
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

it('SCPIPE_PASSWORD goes to the password prompt, not to the verification code: refused, exit 255, saying what was not answered', async () => {
  const answers: string[][] = [];
  fake = await startHostileSsh({
    onAuth: (ctx) => {
      if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
      ctx.prompt([{ prompt: 'Password: ', echo: false }], (first) => {
        answers.push(first);
        ctx.prompt([{ prompt: 'Verification code: ', echo: false }], (second) => {
          answers.push(second);
          ctx.reject(['keyboard-interactive']);
        });
      });
    },
  });
  const r = await runCli(['get', ...fake.args(), '--retries', '0', 'backup@127.0.0.1:f'], { env: { SCPIPE_PASSWORD: 'the-password' } });
  expect(r.status).toBe(255);
  expect(answers).toEqual([['the-password'], ['']]);
  expect(r.stderr).toContain("not offered: an answer to 'Verification code: ' (SCPIPE_PASSWORD answers only the first hidden prompt, the password; BatchMode forbids asking)");
});

// The server's words are escaped once: a control character shows as \xNN, not as \\xNN.
it('the verification question not answered is named escaped once', async () => {
  fake = await startHostileSsh({
    onAuth: (ctx) => {
      if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
      ctx.prompt([{ prompt: 'Password: ', echo: false }], () => {
        ctx.prompt([{ prompt: '\x1b[1mCode\x1b[0m: ', echo: false }], () => ctx.reject(['keyboard-interactive']));
      });
    },
  });
  const r = await runCli(['get', ...fake.args(), '--retries', '0', 'backup@127.0.0.1:f'], { env: { SCPIPE_PASSWORD: 'the-password' } });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain("not offered: an answer to '\\x1b[1mCode\\x1b[0m: ' (SCPIPE_PASSWORD answers only");
});
