// A `Match exec` command is a child of scpipe like any other: none of
// scpipe's secrets (util/child-env.ts) reach its environment.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHost } from '../../../lib/transport/ssh-config';
import { SECRET_ENV_VARS } from '../../../lib/util/child-env';

it('runs the command without any of SECRET_ENV_VARS, and with the rest of the environment', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  const saved = Object.fromEntries(SECRET_ENV_VARS.map((name) => [name, process.env[name]]));
  for (const name of SECRET_ENV_VARS) process.env[name] = `secret-of-${name}`;
  process.env.SCPIPE_TEST_KEPT = 'kept';
  try {
    const out = path.join(dir, 'env');
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, `Match exec "env > ${out}"\n  Port 2022\n`);
    expect(await resolveHost('h', { configFile: config, homeDir: dir })).toMatchObject({ port: 2022 });
    const seen = fs.readFileSync(out, 'utf8');
    expect(seen).toContain('SCPIPE_TEST_KEPT=kept');
    for (const name of SECRET_ENV_VARS) expect(seen).not.toContain(`secret-of-${name}`);
  } finally {
    delete process.env.SCPIPE_TEST_KEPT;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
