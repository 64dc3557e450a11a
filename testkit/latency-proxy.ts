// The benchmark's --rtt, and a real round trip for the window tests (which
// import it through spec/helpers/latency-proxy.ts): latency-relay.c, a TCP
// relay in front of a server that delays every byte by half the round trip
// in each direction, and a known_hosts entry for it.
import { spawn } from 'child_process';
import * as fs from 'fs';
import { cBinary } from './c-binary';
import { testkitSource } from './source-file';
import type { TestSshd } from './sshd';

export interface Proxy { port: number; close(): Promise<void> }

const RELAY_SRC = testkitSource('latency-relay.c');

/** A TCP relay to 127.0.0.1:targetPort that delays every byte by rttMs/2 in each direction. */
export async function startLatencyProxy(targetPort: number, rttMs: number): Promise<Proxy> {
  const relay = spawn(await cBinary(RELAY_SRC), [String(targetPort), String(rttMs / 2)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => relay.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    relay.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    relay.once('error', reject);
    relay.once('exit', (code) => reject(new Error(`latency-relay exited ${code} before it listened`)));
  });
  return {
    port,
    // Its standard input ending is its signal to go (so it also goes when this process dies).
    close: async () => {
      relay.stdin!.end();
      await exited;
    },
  };
}

/** A known_hosts file naming the proxy's port with sshd's host key. */
export function knownHostsFor(sshd: TestSshd, port: number, file: string): string {
  const line = fs.readFileSync(sshd.knownHostsPath, 'utf8').trim();
  fs.writeFileSync(file, line.replace(/^\[127\.0\.0\.1\]:\d+ /, `[127.0.0.1]:${port} `) + '\n');
  return file;
}
