#!/usr/bin/env bash
# Recorded with: OpenSSH_9.2p1 Debian-2+deb12u10 (scp.c sink/source as in 10.5
# for these paths, docs/protocol.md §0), on tmpfs (/dev/shm), LC_ALL=C.UTF-8.
#
# Records what the REAL OpenSSH `scp -f` sends (docs/protocol.md §4.2) into
# spec/fixtures/transcripts/NAME.bin, for spec/unit/protocol/sink-decoder.test.ts.
# No SSH: `scp -f PATH` speaks the protocol on stdin/stdout. A small node
# driver plays a well-behaved sink: `\0` first, then `\0` after every T, C, D,
# E and after each file's data and status byte; `\1` lines get no reply.
#
# The input tree is rebuilt before each recording so that reads do not move
# atimes; mtimes/atimes are fixed with `touch -d @N` and modes with chmod.
# readdir() order is filesystem-specific, hence tmpfs (newest entry first
# there, so the order below is fixed). The transcripts are committed; re-run this only on purpose:
#   bash scripts/record-transcripts.sh
#
# Input tree (relative to a scratch directory):
#   f1                    "hello"                 0644  m=1000000000 a=1100000000
#   tree/                                         0755  m=1200000000 a=1200000001
#   tree/a.txt            "alpha\n"               0644  m=1300000000 a=1300000001
#   tree/empty            ""                      0600  m=1400000000 a=1400000001
#   tree/sub/                                     0750  m=1500000000 a=1500000001
#   tree/sub/seq.txt      `seq 1 400` (1492 B)    0755  m=1600000000 a=1600000001
#   tree/sub/void/                                0700  m=1700000000 a=1700000001
#   names: "sp ace.txt" "nl<LF>name" " lead" "trail " "ünï.txt" "cr<CR>"  (0644, "x")
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/spec/fixtures/transcripts"
mkdir -p "$out"
export LC_ALL=C.UTF-8 TZ=UTC
scp_bin=${SCP:-scp}
base=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$base"' EXIT

stamp() { touch -h -m -d "@$2" "$1"; touch -h -a -d "@$3" "$1"; }

make_tree() {
  rm -rf "$base/in" && mkdir "$base/in" && cd "$base/in"
  printf 'hello' >f1 && chmod 0644 f1
  mkdir -p tree/sub/void
  printf 'alpha\n' >tree/a.txt && chmod 0644 tree/a.txt
  : >tree/empty && chmod 0600 tree/empty
  seq 1 400 >tree/sub/seq.txt && chmod 0755 tree/sub/seq.txt
  chmod 0755 tree && chmod 0750 tree/sub && chmod 0700 tree/sub/void
  for n in 'sp ace.txt' $'nl\nname' ' lead' 'trail ' 'ünï.txt' $'cr\r'; do
    printf 'x' >"$n" && chmod 0644 "$n" && stamp "$n" 1000000000 1000000000
  done
  stamp f1 1000000000 1100000000
  stamp tree/a.txt 1300000000 1300000001
  stamp tree/empty 1400000000 1400000001
  stamp tree/sub/seq.txt 1600000000 1600000001
  stamp tree/sub/void 1700000000 1700000001
  stamp tree/sub 1500000000 1500000001
  stamp tree 1200000000 1200000001
}

# record NAME SCP-ARGS...: runs `scp ARGS` in the input tree as a sink would.
record() {
  local name=$1
  shift
  make_tree
  node - "$out/$name.bin" "$scp_bin" "$@" <<'NODE'
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const [file, scp, ...args] = process.argv.slice(2);
const child = spawn(scp, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const all = [];
let buf = Buffer.alloc(0);
let want = 'line'; // or a BigInt count of body bytes, then 'status'
const ack = () => child.stdin.write(Buffer.from([0]));
child.stdout.on('data', (chunk) => {
  all.push(chunk);
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    if (typeof want === 'bigint') {
      const n = Number(want < BigInt(buf.length) ? want : BigInt(buf.length));
      buf = buf.subarray(n);
      want -= BigInt(n);
      if (want > 0n) return;
      want = 'status';
    }
    if (buf.length === 0) return;
    if (want === 'status') {
      if (buf[0] !== 0) throw new Error('source reported a problem after the data');
      buf = buf.subarray(1);
      ack();
      want = 'line';
      continue;
    }
    const nl = buf.indexOf(10);
    if (nl === -1) return;
    const line = buf.subarray(0, nl).toString('latin1');
    buf = buf.subarray(nl + 1);
    if (line[0] === '\x01' || line[0] === '\x02') continue; // no reply to \1
    ack();
    if (line[0] === 'C') want = BigInt(line.split(' ')[1]);
  }
});
child.on('close', (code) => {
  fs.writeFileSync(file, Buffer.concat(all));
  process.stderr.write(`${file}: exit ${code}\n`);
});
ack(); // §4.2 step 1: the source waits for it
NODE
}

record single -f f1
record single-p -p -f f1
record tree-r -r -f tree
record tree-rp -r -p -f tree
record names -f -- 'sp ace.txt' $'nl\nname' ' lead' 'trail ' 'ünï.txt' $'cr\r'
record errors -f nope tree f1 # a missing file, a directory without -r, a good file
