// ssh's stderr through sessionMarker(): the lines it was made to log are
// dropped and mark the session's start; all else passes as it came, at
// every chunk boundary.
import { execFileSync } from 'node:child_process';
import { sessionMarker, knowsLogVerbose, FORCED_LINES } from '../../../lib/transport/session-marker';
import { collected, throughInChunks, writeInChunks } from '../../helpers/chunked-through';

const FORCED = [
  'debug3: ssh.c:ssh_session2_open():2135 (pid=37): channel_new: 0\r\n', // not ours: passes
  'debug2: clientloop.c:client_session2_setup():2558 (pid=37): id 0\r\n',
  'debug1: clientloop.c:client_session2_setup():2636 (pid=37): Sending subsystem: sftp\r\n',
];
const OTHER = 'Warning: Permanently added \'h\' (ED25519) to the list of known hosts.\r\n';

async function through(text: string, size: number): Promise<{ out: string; asked: number }> {
  let asked = 0;
  const out = await throughInChunks(sessionMarker(() => asked++), text, size);
  return { out, asked };
}

it.each([1, 2, 7, 1000])('drops the forced lines and marks the request once, in chunks of %i', async (size) => {
  const text = OTHER + FORCED.join('') + FORCED[2] + 'subsystem request failed on channel 0';
  expect(await through(text, size)).toEqual({ out: OTHER + FORCED[0] + 'subsystem request failed on channel 0', asked: 1 });
});

it.each([
  ['ssh -v asking for the subsystem', 'debug1: Sending subsystem: sftp\r\n', 1],
  ['ssh -v asking for a command', 'debug1: Sending command: scp -t x\r\n', 1],
  ['a ControlMaster client told the session is open', 'debug1: mux.c:mux_client_request_session():2000 (pid=9): master session id: 2\r\n', 1],
  ['a remote line that only looks so', 'scp: debug1: Sending subsystem: sftp\n', 0],
])('%s', async (_, line, times) => {
  expect((await through(line, 3)).asked).toBe(times);
});

it('the system ssh (OpenSSH 8.5 or later here) knows LogVerbose, and takes ours', () => {
  expect(knowsLogVerbose('ssh')).toBe(true);
  expect(knowsLogVerbose('/bin/true')).toBe(false);
  expect(() => execFileSync('ssh', ['-G', '-F', 'none', `-oLogVerbose=${FORCED_LINES}`, 'h'], { stdio: 'pipe' })).not.toThrow();
});

// A remote's stderr comes through ssh's too: a line that begins as ssh's
// "debug" lines do but goes on past any of ssh's is the remote's.
it.each([['whole', 1_000_000], ['a byte at a time', 1]])('passes a remote line begun as "debug" at once past 4 KiB, fed %s, not held to its newline', async (_, size) => {
  const marker = sessionMarker(() => undefined);
  const out = collected(marker);
  const line = 'debug' + 'x'.repeat(10_000);
  writeInChunks(marker, line, size);
  await new Promise((resolve) => setImmediate(resolve));
  const early = out();
  expect(early.length).toBe(line.length); // before the end: nothing held
  expect(early === line).toBe(true);
  marker.end();
});

it('takes a remote line cut after "scp: " for no line of ssh\'s: its rest is neither the mark nor dropped', async () => {
  const line = 'scp: debug1: Sending subsystem: sftp\n';
  expect(await through(line, 5)).toEqual({ out: line, asked: 0 });
});

// ssh's own lines before the request (a changed host key's warning) go to `own`, not on with the remote's.
async function handed(text: string, size: number): Promise<{ out: string; own: string[]; heard: string }> {
  const own: string[] = [];
  let heard = '';
  const out = await throughInChunks(sessionMarker(() => undefined, (l) => own.push(l), (t) => (heard += t)), text, size);
  return { out, own, heard };
}

const WARNING = '@@@@\r\n@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\r\n@@@@\r\n';
const ASK = 'debug1: clientloop.c:client_session2_setup():2636 (pid=37): Sending command: scp -t x\r\n';

it.each([1, 5, 1000])('own: the lines before the request are handed over, the remote\'s after it pass on, in chunks of %i', async (size) => {
  expect(await handed(WARNING + ASK + 'scp: x: Permission denied\n', size)).toEqual({
    out: 'scp: x: Permission denied\n',
    own: ['@@@@', '@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @', '@@@@'],
    heard: WARNING + 'scp: x: Permission denied\n',
  });
});

it('own: an ssh that never asked (a failed login) passes its lines on at its end, for the failure to quote', async () => {
  const text = WARNING + 'u@h: Permission denied (publickey).\r\n';
  expect(await handed(text, 7)).toEqual({ out: text, own: [], heard: text });
});
