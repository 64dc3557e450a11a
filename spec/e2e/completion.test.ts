// `scpipe completion` as a user installs it: the bash script sourced into a
// real bash, its function called as bash calls it on Tab, and the zsh script
// with the same question it asks scpipe. Commands, options and the Host
// aliases of ~/.ssh/config come back.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, shellQuote } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const temp = tempDirPerTest('scpipe-test-completion-');

// A HOME with an ssh config, and `scpipe` on PATH (the script calls it by name).
function setUp(): NodeJS.ProcessEnv {
  const home = join(temp(), 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config'), 'Host vault vps\n  HostName v.example\nHost bastion\nHost *.internal !x\n');
  const bin = join(temp(), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'scpipe'), `#!/bin/sh\nexec ${shellQuote([process.execPath, CLI])} "$@"\n`);
  chmodSync(join(bin, 'scpipe'), 0o755);
  const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
  return { ...env, HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` };
}

function script(shell: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('scpipe', ['completion'], { env: { ...env, SHELL: shell }, encoding: 'utf8', timeout: 30_000 });
  expect(r.status).toBe(0);
  return r.stdout;
}

// What bash offers for the words typed so far (the last one is being completed).
function bashTab(env: NodeJS.ProcessEnv, words: string[]): string[] {
  const file = join(temp(), 'scpipe.bash');
  writeFileSync(file, script('/bin/bash', env));
  const line = `source ${shellQuote([file])}; COMP_WORDS=(${shellQuote(words)}); COMP_CWORD=${words.length - 1}; ` +
    `complete -p scpipe >/dev/null && _scpipe_yargs_completions && printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', line], { env, encoding: 'utf8', timeout: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('scpipe completion', () => {
  it('--help says how to install the script instead of printing it', () => {
    const env = setUp();
    for (const args of [['completion', '--help'], ['completion', '-h'], ['--help', 'completion']]) {
      const r = spawnSync('scpipe', args, { env, encoding: 'utf8', timeout: 30_000 });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(r.stdout).toContain('scpipe completion bash >> ~/.bashrc');
      expect(r.stdout).not.toContain('_scpipe_yargs_completions');
      expect(r.stdout).toContain('Host aliases of ~/.ssh/config as\ntargets (vault completes to vault:)');
    }
  });

  it('a shell named wins over $SHELL; one scpipe cannot complete is exit 2 with nothing on stdout', () => {
    const env = setUp();
    const run = (args: string[]) => spawnSync('scpipe', args, { env: { ...env, SHELL: '/bin/zsh' }, encoding: 'utf8', timeout: 30_000 });
    const bash = run(['completion', 'bash']);
    expect(bash.status).toBe(0);
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _scpipe_yargs_completions scpipe');
    expect(bash.stdout).not.toContain('compdef');
    expect(run(['completion', 'zsh']).stdout).toContain('compdef _scpipe_yargs_completions scpipe');
    for (const args of [['completion', 'fish'], ['completion', 'bash', 'zsh']]) {
      const r = run(args);
      expect(r).toMatchObject({ status: 2, stdout: '' });
      expect(r.stderr).toContain(`scpipe: completion: "${args.slice(1).join(' ')}" is not a shell scpipe completes; name bash or zsh`);
    }
  });

  it('bash: commands, options, and Host aliases of ~/.ssh/config as alias:', () => {
    const env = setUp();
    expect(bashTab(env, ['scpipe', 'p'])).toEqual(['put']);
    expect(bashTab(env, ['scpipe', 'put', '--tr'])).toEqual(['--transport']);
    expect(bashTab(env, ['scpipe', 'put', '-C', '-l', '20000', 'v'])).toEqual(['vault:', 'vps:']);
    expect(bashTab(env, ['scpipe', 'put', 'backup@b'])).toEqual(['backup@bastion:']);
  });

  it('zsh: the compdef script, and the answers it gets from scpipe', () => {
    const env = setUp();
    const text = script('/bin/zsh', env);
    expect(text).toMatch(/^#compdef scpipe/);
    expect(text).toContain('compdef _scpipe_yargs_completions scpipe');
    expect(text).toContain('scpipe --get-yargs-completions "${words[@]}"');
    // zsh passes the words typed so far, as the script shows.
    const ask = (words: string[]) => spawnSync('scpipe', ['--get-yargs-completions', ...words], { env, encoding: 'utf8', timeout: 30_000 }).stdout.split('\n').filter(Boolean);
    expect(ask(['scpipe', 'get', 'v'])).toEqual(expect.arrayContaining(['vault:', 'vps:']));
    expect(ask(['scpipe', 'get', 'v'])).not.toContain('x:');
    expect(ask(['scpipe', ''])).toEqual(expect.arrayContaining(['put', 'get', 'cp', 'serve']));
  });
});
