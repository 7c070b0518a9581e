#!/usr/bin/env bash
# Installs what Lockline needs on Debian 12 (build and run; --test adds the test peers).
set -euo pipefail
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo

packages=(build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsqlite3-dev libsodium-dev
  libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev liburing-dev openssl ca-certificates)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev googletest curl sslscan python3 clang clang-format libclang-rt-14-dev
    sip-tester baresip-core linphone-cli libsrtp2-dev python3-cryptography pebble)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
