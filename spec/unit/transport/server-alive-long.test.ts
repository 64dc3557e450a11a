// ServerAliveInterval of more than 24.8 days ("ask rarely"): ssh2 keeps it in
// a setInterval(), which runs one over 2^31-1 ms every millisecond, so the
// connection was asked for an answer at once and cut after
// ServerAliveCountMax of them. It is held at the longest interval a timer keeps.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHost } from '../../../lib/transport/ssh-config';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-alive-'));
  fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

it.each([['3000000'], ['30d'], ['9999999999']])('-o ServerAliveInterval=%s: asked at most every 2^31-1 ms, never every millisecond', async (value) => {
  const h = await resolveHost('x', { homeDir: home, systemConfigFile: 'none', configFile: 'none', options: [`ServerAliveInterval=${value}`] });
  expect(h.serverAliveIntervalMs).toBe(2 ** 31 - 1);
});

it('-o ServerAliveInterval=86400 (a day) is kept as given', async () => {
  const h = await resolveHost('x', { homeDir: home, systemConfigFile: 'none', configFile: 'none', options: ['ServerAliveInterval=86400'] });
  expect(h.serverAliveIntervalMs).toBe(86_400_000);
});
