#!/usr/bin/env bash
# Install everything dicomgen needs on a fresh machine and run the whole test suite.
# As root it installs the interop peers (dcmtk, dicom3tools, PixelMed) with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dcmdump >/dev/null 2>&1 || need_apt+=(dcmtk)
command -v dciodvfy >/dev/null 2>&1 || need_apt+=(dicom3tools)
[ -f /usr/share/java/pixelmed.jar ] || need_apt+=(libpixelmed-java)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "note: ${need_apt[*]} not installed (run as root to install); interop tests will skip" >&2
  fi
fi

PY=${PYTHON:-python3}
"$PY" -m pip install -q --disable-pip-version-check -e '.[test]'
# Byte-compile once so import-time measurements and tests see a warm cache.
"$PY" -m compileall -q runtime generated codegen >/dev/null || true
exec "$PY" -m pytest -q -p no:cacheprovider "$@"
