// A ProxyCommand is a child of scpipe like any other: none of scpipe's
// secrets (util/child-env.ts) reach its environment.
import { spawnProxyCommand } from '../../../lib/transport/proxy-command';
import { SECRET_ENV_VARS } from '../../../lib/util/child-env';

it('starts the command without any of SECRET_ENV_VARS, and with the rest of the environment', async () => {
  const saved = Object.fromEntries(SECRET_ENV_VARS.map((name) => [name, process.env[name]]));
  for (const name of SECRET_ENV_VARS) process.env[name] = `secret-of-${name}`;
  process.env.SCPIPE_TEST_KEPT = 'kept';
  try {
    const duplex = spawnProxyCommand('env');
    duplex.end();
    let out = '';
    for await (const chunk of duplex) out += String(chunk);
    expect(out).toContain('SCPIPE_TEST_KEPT=kept');
    for (const name of SECRET_ENV_VARS) expect(out).not.toContain(`secret-of-${name}`);
  } finally {
    delete process.env.SCPIPE_TEST_KEPT;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
