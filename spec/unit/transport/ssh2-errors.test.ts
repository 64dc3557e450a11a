// A server that goes away during the handshake: ssh2 emits 'close' alone,
// or, when a write finds out first, the socket's own error. Both must read
// as the closed connection they are, not as "write EPIPE".
import { describeClientError } from '../../../lib/transport/ssh2-errors';
import type { ResolvedHost } from '../../../lib/transport/ssh-config';

const host = { user: 'backup', hostname: 'vault', port: 2222, algorithms: {} } as unknown as ResolvedHost;
const socketError = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

it.each([
  ['EPIPE', 'backup@vault: connection closed by vault port 2222 during the SSH handshake'],
  ['ECONNRESET', 'backup@vault: connection closed by vault port 2222 during the SSH handshake (reset)'],
])('%s during the handshake is the connection closed (ERR_CONNECT, exit 255)', (code, message) => {
  expect(describeClientError(socketError(code), host, [])).toMatchObject({ code: 'ERR_CONNECT', message });
});

it('another socket error keeps its own words', () => {
  expect(describeClientError(socketError('EHOSTUNREACH'), host, [])).toMatchObject({ code: 'ERR_CONNECT', message: 'backup@vault: write EHOSTUNREACH' });
});
