#!/usr/bin/env bash
# Installs what the end-to-end tests need: a real OpenSSH server/client, a C
# compiler for testkit/rssh-wrapper.c, and three local test accounts.
# Idempotent; safe to run in CI (no stdin, no prompts). Must run as root
# because it installs packages and creates users.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    echo "install-test-deps: not root, re-running with sudo" >&2
    exec sudo -n bash "$0" "$@"
  fi
  echo "install-test-deps: ERROR: must be run as root (and sudo is not available)." >&2
  echo "  Run: su -c 'bash scripts/install-test-deps.sh'" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# python3: the quoting tests ask glibc wordexp(3) through ctypes; bsdutils: script(1)
# for the terminal tests; util-linux: setsid(1) (no terminal) and setpriv(1)
# (a test run as an ordinary account); curl: a libssh2 client of `scpipe serve`;
# fusefat, dosfstools: a FAT image mounted without the kernel's vfat module
# (get-vfat.test.ts, which also needs /dev/fuse); e2fsprogs: mkfs.ext4 and chattr
# for an append-only ext4 on a loop device (sftp-faults, get).
PACKAGES=(openssh-server openssh-client gcc libc6-dev python3 bsdutils util-linux curl fusefat dosfstools e2fsprogs)

# Only hit the network when something is actually missing.
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  apt-get update
  apt-get install -y --no-install-recommends "${PACKAGES[@]}" </dev/null
else
  echo "install-test-deps: packages already installed: ${PACKAGES[*]}"
fi

# sshd refuses to start without its privilege-separation directory.
mkdir -p /run/sshd
chmod 0755 /run/sshd
echo "install-test-deps: ensured /run/sshd"

# scpipe-user: ordinary account. scpipe-rssh: restricted by ForceCommand in
# the test sshd config (testkit/sshd.ts), imitating rssh.
for u in scpipe-user scpipe-rssh; do
  if id "$u" >/dev/null 2>&1; then
    echo "install-test-deps: account $u already exists"
  else
    useradd --create-home --home-dir "/home/$u" --shell /bin/sh "$u"
    echo "install-test-deps: created account $u (/home/$u, /bin/sh)"
  fi
  # useradd leaves the password field as '!' (locked). With UsePAM no, sshd
  # refuses locked accounts even for pubkey auth; '*' means "no password"
  # without being "locked".
  usermod -p '*' "$u"
  mkdir -p "/home/$u"
  chown "$u:" "/home/$u"
  echo "install-test-deps: $u unlocked for pubkey login (password '*')"
done

# scpipe-sftp: `ForceCommand internal-sftp` in a chroot, the most common
# sftp-only jail. sshd wants every part of a ChrootDirectory root-owned and
# not group/other-writable, so the jails live under /srv (not /tmp, which is
# 1777); each test sshd makes its own jail below this directory.
u=scpipe-sftp
if id "$u" >/dev/null 2>&1; then
  echo "install-test-deps: account $u already exists"
else
  useradd --create-home --home-dir "/home/$u" --shell /usr/sbin/nologin "$u"
  echo "install-test-deps: created account $u (/home/$u, nologin)"
fi
usermod -p '*' "$u"
echo "install-test-deps: $u unlocked for pubkey login (password '*')"
mkdir -p /srv/scpipe-sftp-jail
chown root:root /srv/scpipe-sftp-jail
chmod 0755 /srv/scpipe-sftp-jail
echo "install-test-deps: ensured /srv/scpipe-sftp-jail (root:root 0755)"

echo "install-test-deps: done"
