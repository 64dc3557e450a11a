// One login of a run's connection through createAuthHandler() to a test
// ssh2 server on 127.0.0.1: the password only (no keys), with what the run
// typed before in `typed`, each question answered by `prompt`.
import { Client } from 'ssh2';
import { createAuthHandler, type TypedSecrets } from '../../lib/transport/auth';
import { resolvedHost as host } from './resolved-host';

export async function loginTyped(port: number, typed: TypedSecrets, prompt: (question: string) => Promise<string>): Promise<void> {
  const auth = createAuthHandler({ host: host({ pubkeyAuthentication: false }), env: {}, prompt, typed });
  const client = new Client();
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ host: '127.0.0.1', port, username: 'alice', authHandler: auth.handler, hostVerifier: () => true });
    });
    auth.succeeded();
  } finally {
    client.end();
  }
}
