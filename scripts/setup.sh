#!/bin/bash
# Installs everything Weft and its test suite need on a fresh Debian 12 machine
# (run as root): the reference Open vSwitch / OVN tools the tests compare
# against, the npm packages, and the compiled TypeScript. Idempotent and quick
# when everything is already there.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

need_pkgs=()
command -v ovs-vsctl  >/dev/null || need_pkgs+=(openvswitch-switch openvswitch-common)
command -v ovn-nbctl  >/dev/null || need_pkgs+=(ovn-central ovn-common)
command -v ip         >/dev/null || need_pkgs+=(iproute2)
command -v python3    >/dev/null || need_pkgs+=(python3)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${need_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages" >&2
    npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: building" >&2
npx tsc -p tsconfig.json
