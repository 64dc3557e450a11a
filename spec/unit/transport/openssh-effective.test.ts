// `ssh -G` as the unknown-key hint asks it: the real ssh, its config applied.
import { mkdtempSync, rmSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEffective, sshEffective } from '../../../lib/transport/openssh-effective';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'scpipe-effective-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// A `Match exec` that takes its time: the event loop goes on meanwhile (a signal, another channel's clean-up).
it('asks ssh -G without blocking the event loop', async () => {
  const config = join(dir, 'config');
  writeFileSync(config, 'Match exec "sleep 0.5"\n  Port 2022\n');
  let ticked = false;
  const timer = setTimeout(() => (ticked = true), 50);
  const asked = sshEffective({ host: 'h.example', configFile: config });
  const effective = await asked;
  clearTimeout(timer);
  expect(effective).toMatchObject({ hostname: 'h.example', port: 2022 });
  expect(ticked).toBe(true);
});

// OpenSSH prints the list joined by spaces, no file quoted (readconf.c, dump_cfg_strarray_oneline).
it('the first UserKnownHostsFile holding a space is taken whole, as ssh -G prints it', async () => {
  const first = join(dir, 'a b', 'kh');
  const effective = await sshEffective({ host: 'h.example', configFile: 'none', options: [`UserKnownHostsFile="${first}" ${join(dir, 'c')}`] });
  expect(effective?.knownHostsFile).toBe(first);
  expect(parseEffective('hostname h\nport 22\nuserknownhostsfile /root/.ssh/known_hosts /root/.ssh/known_hosts2\n')?.knownHostsFile).toBe('/root/.ssh/known_hosts');
  expect(parseEffective('hostname h\nport 22\nuserknownhostsfile none\n')?.knownHostsFile).toBeUndefined();
});

// scp's -S names a program that may not know -G (a wrapper that connects whatever it is given).
it('does not run a -S program with -G', async () => {
  const program = join(dir, 'wrapper');
  const ran = join(dir, 'ran');
  writeFileSync(program, `#!/bin/sh\ntouch '${ran}'\necho hostname other; echo port 2200\n`);
  chmodSync(program, 0o755);
  expect(await sshEffective({ host: 'h.example', sshPath: program })).toBeUndefined();
  expect(existsSync(ran)).toBe(false);
});
