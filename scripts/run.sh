#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and runs `lockline serve` here
# (config ./lockline.toml, data ./var, HTTP 8080, HTTPS 8443, a self-signed certificate).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
(cd "$root" && scripts/build.sh)
exec "$root/build/lockline" serve "$@"
