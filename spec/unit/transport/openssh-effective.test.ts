// `ssh -G` as the unknown-key hint asks it: the real ssh, its config applied.
import { mkdtempSync, rmSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshEffective } from '../../../lib/transport/openssh-effective';

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

// scp's -S names a program that may not know -G (a wrapper that connects whatever it is given).
it('does not run a -S program with -G', async () => {
  const program = join(dir, 'wrapper');
  const ran = join(dir, 'ran');
  writeFileSync(program, `#!/bin/sh\ntouch '${ran}'\necho hostname other; echo port 2200\n`);
  chmodSync(program, 0o755);
  expect(await sshEffective({ host: 'h.example', sshPath: program })).toBeUndefined();
  expect(existsSync(ran)).toBe(false);
});
