// `scpipe --version` and -v's first line: scpipe's version and the versions
// of what does the SSH (ssh2) and runs it (Node). Read from the installed
// package.json files at run time: the bundle (dist/scpipe.js) and the tsc
// output (dist/cli/) sit at different depths, so both look upwards.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

function ownVersion(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'scpipe' && pkg.version) return pkg.version;
    } catch {
      // not here: one level up
    }
  }
  return 'unknown';
}

function ssh2Version(): string {
  try {
    return (createRequire(__filename)('ssh2/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `scpipe 0.1.0 (ssh2 1.17.0, node v20.20.2)`. */
export function versionLine(): string {
  return `scpipe ${ownVersion()} (ssh2 ${ssh2Version()}, node ${process.version})`;
}
