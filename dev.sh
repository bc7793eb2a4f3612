#!/usr/bin/env bash
# The two commands of the README:
#   bash dev.sh demo   set everything up (system packages if missing, a venv, the wheel) and run the demo
#   bash dev.sh test   set everything up and run the whole test suite (Swift and Python)
set -euo pipefail
cd "$(dirname "$0")"
VENV=$(realpath -m "${AGENTNET_VENV:-.venv}")

setup() {
    if ! pkg-config --exists openblas 2>/dev/null || ! python3 -c 'import sysconfig,os,sys; sys.exit(not os.path.exists(sysconfig.get_paths()["include"]+"/Python.h"))' 2>/dev/null; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq libopenblas-dev pkg-config python3-dev python3-venv >/dev/null
    fi
    if ! pkg-config --exists openblas 2>/dev/null; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libopenblas-dev pkg-config >/dev/null
    fi
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r python/requirements-test.txt
    "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps .
}

case "${1:-}" in
    demo)
        setup
        (cd /tmp && "$VENV/bin/python" -m agentnet.demo)
        ;;
    test)
        setup
        swift test
        (cd python/tests && "$VENV/bin/python" -m pytest -q -p no:cacheprovider .)
        ;;
    *)
        echo "usage: bash dev.sh demo|test" >&2
        exit 2
        ;;
esac
