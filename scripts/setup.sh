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
# Data-plane system tests and bench:dataplane: traffic, offload control, captures.
command -v ping       >/dev/null || need_pkgs+=(iputils-ping)
command -v iperf3     >/dev/null || need_pkgs+=(iperf3)
command -v ethtool    >/dev/null || need_pkgs+=(ethtool)
command -v tshark     >/dev/null || need_pkgs+=(tshark)
command -v tcpdump    >/dev/null || need_pkgs+=(tcpdump)
# The controller's end-to-end tests drive the real OpenStack CLIs.
command -v openstack  >/dev/null || need_pkgs+=(python3-openstackclient)
command -v neutron    >/dev/null || need_pkgs+=(python3-neutronclient)
command -v make       >/dev/null || need_pkgs+=(make)
command -v g++        >/dev/null || need_pkgs+=(g++)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${need_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null || true
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages" >&2
    npm ci --no-audit --no-fund --loglevel=error
fi

# The native I/O addon (npm ci builds it through the install script; rebuilt here when its source changed).
if [ ! -f build/Release/weft_io.node ] || [ native/weft_io.c -nt build/Release/weft_io.node ] || [ binding.gyp -nt build/Release/weft_io.node ]; then
    echo "setup: building the native addon" >&2
    scripts/build-native.sh
fi

echo "setup: building" >&2
npx tsc -p tsconfig.json
