// The exec command's bytes, kept around ssh2's handler (lib/server/exec-bytes.ts):
// a Latin-1 path arrives as its bytes, not as U+FFFD; anything else is as ssh2 gave it.
import { execCommandText, wrapChannelRequest, type Handler } from '../../../lib/server/exec-bytes';
import { toBytes } from '../../../lib/util/byte-text';

const str = (b: Buffer | string): Buffer => {
  const v = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(v.length);
  return Buffer.concat([len, v]);
};
// SSH_MSG_CHANNEL_REQUEST: channel 0, `type`, want-reply, then `rest`.
const request = (type: string, rest: Buffer): Buffer => Buffer.concat([Buffer.from([98, 0, 0, 0, 0]), str(type), Buffer.from([1]), rest]);

// A table whose handler, like ssh2's, decodes the command as UTF-8 and emits it at once.
function table(seen: string[]): Handler[] {
  const handlers: Handler[] = [];
  handlers[98] = (_self, payload) => {
    const type = payload.subarray(9, 9 + payload.readUInt32BE(5)).toString('latin1');
    if (type !== 'exec') return;
    const at = 9 + type.length + 1;
    seen.push(execCommandText(payload.subarray(at + 4, at + 4 + payload.readUInt32BE(at)).toString('utf8')));
  };
  return handlers;
}

it('gives the command of the request being handled with its bytes', () => {
  const seen: string[] = [];
  const handlers = table(seen);
  wrapChannelRequest(handlers);
  const command = Buffer.from("scp -f 'caf\xe9'", 'latin1');
  handlers[98]!(undefined, request('exec', str(command)));
  expect(seen).toHaveLength(1);
  expect(seen[0]).not.toContain('\uFFFD');
  expect(toBytes(seen[0]!)).toEqual(command);
  expect(execCommandText('scp -f x')).toBe('scp -f x'); // outside a request: as given
});

it('leaves a UTF-8 command, and a table without the handler, as they are', () => {
  const seen: string[] = [];
  const handlers = table(seen);
  wrapChannelRequest(handlers);
  handlers[98]!(undefined, request('exec', str('scp -t caf\u00e9')));
  expect(seen).toEqual(['scp -t caf\u00e9']);
  const empty: Handler[] = [];
  expect(() => wrapChannelRequest(empty)).not.toThrow();
  expect(empty[98]).toBeUndefined();
});
