#!/usr/bin/env bash
# Installs the moto AWS emulator into .moto/venv (the integration tests start it from there).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .moto/venv/bin/python ] && .moto/venv/bin/python -c "import moto.server" 2>/dev/null; then
    exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv
fi
python3 -m venv .moto/venv
.moto/venv/bin/pip install --quiet --disable-pip-version-check "moto[server]>=5.1,<6"
.moto/venv/bin/python -c "import moto; print('moto', moto.__version__)"
