#!/usr/bin/env node
// Part of `npm run build`, after tsc: removes what tsc once emitted into
// dist/lib and dist/cli for a source that is gone (a module renamed or
// deleted). tsc never removes them, and `files: ["dist/"]` would put them in
// the package. Nothing else is touched, so tests running from dist meanwhile
// are unaffected. `node scripts/prune-dist.js [ROOT]` (default: the repository).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const OUTPUTS = ['.js', '.js.map', '.d.ts', '.d.ts.map'];

// The source of an emitted file (dist/lib/a/b.js → lib/a/b.ts), or null when it is not an output of tsc.
function sourceOf(root, rel) {
  const ext = OUTPUTS.find((e) => rel.endsWith(e));
  return ext ? path.join(root, `${rel.slice(0, -ext.length)}.ts`) : null;
}

function prune(root, dir, rel) {
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) {
      prune(root, dir, child);
      if (fs.readdirSync(path.join(dir, child)).length === 0) fs.rmdirSync(path.join(dir, child));
    } else {
      const source = sourceOf(root, child);
      if (source && !fs.existsSync(source)) fs.rmSync(path.join(dir, child));
    }
  }
}

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
for (const top of ['lib', 'cli']) {
  if (fs.existsSync(path.join(root, 'dist', top))) prune(root, path.join(root, 'dist'), top);
}
