#!/bin/bash
# Builds the native I/O addon (native/weft_io.c -> build/Release/weft_io.node)
# with node-gyp, against the installed Node's own headers when they are there
# (Debian's nodejs and this project's machines ship them in /usr/include/node),
# so no header download is needed.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
args=(rebuild)
if [ -f /usr/include/node/node_api.h ]; then args+=(--nodedir=/usr); fi
gyp=node-gyp
command -v node-gyp >/dev/null || gyp="node $(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
$gyp "${args[@]}" >build-native.log 2>&1 || { cat build-native.log >&2; exit 1; }
rm -f build-native.log
