// More sessions on one connection than Node's 10 listeners of a signal
// (--max-sessions 12): each listens for the connection's end, which is no
// leak, and serve's log must not say MaxListenersExceededWarning.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { waitFor } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite(['--max-sessions', '12']);

test('twelve SCP and SFTP sessions at once on one connection: all served, no warning in the log', async () => {
  writeFileSync(join(serve.root, 'f'), 'x'.repeat(1000));
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve).on('error', reject);
    client.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath) });
  });
  try {
    const opened = await Promise.all(Array.from({ length: 12 }, (_, i) => new Promise<string>((resolve, reject) => {
      if (i % 2 === 0) return client.sftp((err) => (err ? reject(err) : resolve('sftp')));
      client.exec('scp -f /f', (err, ch) => {
        if (err) return reject(err);
        ch.once('data', () => resolve('scp')); // the file's record: the session is running
        ch.write('\0');
      });
    })));
    expect(opened.filter((k) => k === 'scp')).toHaveLength(6);
  } finally {
    client.end();
  }
  await waitFor(() => (serve.log().match(/ download \/f /g) ?? []).length === 6, 'the downloads logged');
  expect(serve.log()).not.toMatch(/MaxListenersExceeded|memory leak/);
});
