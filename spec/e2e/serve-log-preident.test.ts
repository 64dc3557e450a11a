// A connection that ends before `scpipe serve` has its SSH version line (a
// port scanner, an HTTP request, an SSH-1 client that ssh2 hangs up on)
// used to leave no trace in the log, even with -v; sshd logs each with the
// address. The line is sshd's older wording, which fail2ban's sshd filter
// matches in its "ddos" mode.
import { connect } from 'node:net';
import { waitFor } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

// Sends `bytes` and waits until the server has hung up or 2 s have passed; returns the local port.
function visit(bytes: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let port = 0;
    const socket = connect(serve.port, '127.0.0.1', () => {
      port = socket.localPort!;
      socket.end(bytes);
    });
    socket.on('error', reject);
    socket.resume();
    socket.setTimeout(2000, () => socket.destroy());
    socket.once('close', () => resolve(port));
  });
}

it('logs, with the address, connections that never sent a usable version line', async () => {
  const ports = [await visit('GET / HTTP/1.0\r\n\r\n'), await visit('SSH-1.5-old\r\n'), await visit('')];
  for (const port of ports) {
    await waitFor(() => serve.log().includes(`scpipe: Did not receive identification string from 127.0.0.1 port ${port}\n`), `the line for port ${port}`);
  }
});
