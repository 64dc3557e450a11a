// A hostile SSH server for tests: an in-process ssh2 Server on 127.0.0.1
// whose authentication and exec are the test's hooks, and which can send a
// DISCONNECT with a text of its choosing (ssh2's own sends none).
// Only for hostile-peer tests; honest peers are the real sshd and serve.
import { spawn } from 'node:child_process';
import { Server, type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import { fakeEndpoint, type Listening } from './fake-endpoint';

/** What the server does; by default it accepts any login and leaves an exec unanswered. */
export interface HostileSshHooks {
  onAuth?(ctx: AuthContext, conn: Connection): void;
  onExec?(channel: ServerChannel, command: string, conn: Connection): void;
  /** Refuse every session channel with this description (ssh2's own refusals carry none). */
  refuseSessions?: string;
  /** Open the sftp subsystem and never say a word on it (no VERSION). */
  silentSftp?: boolean;
  /** Open the sftp subsystem, send these bytes on it (the start of a VERSION) and then nothing. */
  sftpOpening?: Buffer;
  /** Never answer: a session channel's open, or an exec or subsystem request on it. */
  ignore?: 'session' | 'exec' | 'subsystem';
  /** Fail every exec request (CHANNEL_FAILURE), as an SFTP-only server built on paramiko does; or those the function picks. */
  refuseExec?: boolean | ((command: string) => boolean);
  /**
   * Close this many session channels when their exec or subsystem request
   * comes, without answering it, as Dropbear before 2024.86 closes a channel
   * whose command has not started when another command exits (its bug #321).
   */
  closeUnstarted?: number;
  /** Run OpenSSH's sftp-server in this directory for the sftp subsystem. */
  sftpServerIn?: string;
  /** The software version it sends (`SSH-2.0-<ident>`), e.g. an old Dropbear's. */
  ident?: string;
  /**
   * Close, unanswered, an exec request that comes while another channel of
   * the connection is open: Dropbear's bug #321 (see closeUnstarted), made
   * certain rather than left to timing.
   */
  closeWhenShared?: boolean;
}

/** A running server. */
/** A running server: its port, scpipe's options that reach it (no host), its end. */
export type HostileSsh = Listening;

export async function startHostileSsh(hooks: HostileSshHooks): Promise<HostileSsh> {
  const endpoint = await fakeEndpoint('scpipe-test-fake-ssh-');
  let closeLeft = hooks.closeUnstarted ?? 0;
  const server = new Server({ hostKeys: [endpoint.hostKey], ...(hooks.ident ? { ident: hooks.ident } : {}) }, (conn) => {
    let sessions = 0;
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => (hooks.onAuth ? hooks.onAuth(ctx, conn) : ctx.accept()));
    conn.on('ready', () =>
      conn.on('session', (accept, reject) => {
        if (hooks.refuseSessions !== undefined) return refuseWith(conn, reject, hooks.refuseSessions);
        if (hooks.ignore === 'session') return;
        const session = accept();
        sessions++;
        session.once('close', () => sessions--);
        const closeUnstarted = (): boolean => {
          if (!closeLeft && !(hooks.closeWhenShared && sessions > 1)) return false;
          if (closeLeft) closeLeft--;
          const id = (session as unknown as { _chanInfo: { outgoing: { id: number } } })._chanInfo.outgoing.id;
          (conn as unknown as { _protocol: { channelClose(id: number): void } })._protocol.channelClose(id);
          return true;
        };
        session.on('exec', (acceptExec, rejectExec, info) => {
          if (hooks.refuseExec === true || (typeof hooks.refuseExec === 'function' && hooks.refuseExec(info.command))) return rejectExec();
          return !closeUnstarted() && hooks.ignore !== 'exec' && hooks.onExec?.(acceptExec(), info.command, conn);
        });
        // Without an 'sftp' listener ssh2 hands the subsystem over as a plain channel.
        session.on('subsystem', (acceptSubsystem, reject) => {
          if (closeUnstarted() || hooks.ignore === 'subsystem') return;
          if (hooks.sftpServerIn) return sftpServer(acceptSubsystem(), hooks.sftpServerIn);
          if (hooks.sftpOpening) return void acceptSubsystem().write(hooks.sftpOpening);
          return hooks.silentSftp ? acceptSubsystem() : reject();
        });
      }),
    );
  });
  return endpoint.listen(server);
}

/** Sends SSH_MSG_DISCONNECT with `reason` and `text`, through ssh2's packet writer (its disconnect() sends no text). */
export function sendDisconnect(conn: Connection, reason: number, text: string): void {
  const { sendPacket } = require('ssh2/lib/protocol/utils.js') as { sendPacket(proto: unknown, packet: Buffer, bypass: boolean): void };
  const proto = (conn as unknown as { _protocol: { _packetRW: { write: { allocStartKEX: number; alloc(n: number, kex: boolean): Buffer; finalize(p: Buffer, kex: boolean): Buffer } } } })._protocol;
  const desc = Buffer.from(text);
  const writer = proto._packetRW.write;
  let p = writer.allocStartKEX;
  const packet = writer.alloc(1 + 4 + 4 + desc.length + 4, true);
  packet[p] = 1; // SSH_MSG_DISCONNECT
  packet.writeUInt32BE(reason, ++p);
  packet.writeUInt32BE(desc.length, (p += 4));
  desc.copy(packet, (p += 4));
  packet.writeUInt32BE(0, p + desc.length); // language tag
  sendPacket(proto, writer.finalize(packet, true), true);
}

// ssh2's reject() sends CHANNEL_OPEN_FAILURE with an empty description: this one says `text`.
function refuseWith(conn: Connection, reject: () => void, text: string): void {
  const proto = (conn as unknown as { _protocol: { channelOpenFail(remote: number, reason: number, desc?: string): void } })._protocol;
  const openFail = proto.channelOpenFail;
  proto.channelOpenFail = (remote, reason) => openFail.call(proto, remote, reason, text);
  try {
    reject();
  } finally {
    proto.channelOpenFail = openFail;
  }
}

// OpenSSH's sftp-server on `channel`, started in `dir`.
function sftpServer(channel: ServerChannel, dir: string): void {
  const child = spawn('/usr/lib/openssh/sftp-server', [], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.on('close', (code) => {
    channel.exit(code ?? 1);
    channel.end();
  });
}

/** OpenSSH's own `scp -t DIR` on `channel`, as a forced command runs it. */
export function forcedScp(channel: ServerChannel, dir: string): void {
  const scp = spawn('scp', ['-t', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  channel.pipe(scp.stdin);
  scp.stdout.pipe(channel, { end: false });
  scp.stderr.pipe(channel.stderr, { end: false });
  scp.on('close', (code) => {
    channel.exit(code ?? 1);
    channel.end();
  });
}
