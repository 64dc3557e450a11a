// A copy of the built CLI and its runtime modules that any uid can reach,
// wherever the clone is (one under /root is closed to other users), for
// tests that run scpipe through setpriv as another uid.
import { chmodSync, cpSync, existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

const MODULES = ['ssh2', 'asn1', 'bcrypt-pbkdf', 'tweetnacl', 'safer-buffer', 'cpu-features', 'nan', 'buildcheck'];

/** Registers beforeAll/afterAll; the returned function gives the copy's dist/cli/launch.js. */
export function cliForAnyUserPerSuite(): () => string {
  let root: string | undefined;
  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('this test runs scpipe as another uid: run the tests as root, as the sshd tests must be');
    const repo = join(__dirname, '..', '..');
    root = mkdtempSync('/tmp/scpipe-test-cli-');
    cpSync(join(repo, 'dist'), join(root, 'dist'), { recursive: true, preserveTimestamps: true }); // the bundle stays newer than the modules (cli/launch.ts)
    cpSync(join(repo, 'package.json'), join(root, 'package.json'));
    for (const m of MODULES) {
      if (existsSync(join(repo, 'node_modules', m))) cpSync(join(repo, 'node_modules', m), join(root, 'node_modules', m), { recursive: true });
    }
    chmodSync(root, 0o755);
  });
  afterAll(() => root && rm(root, { recursive: true, force: true }));
  return () => {
    if (root === undefined) throw new Error('cliForAnyUserPerSuite: only inside a test or a hook');
    return join(root, 'dist', 'cli', 'launch.js');
  };
}
