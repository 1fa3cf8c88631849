#!/usr/bin/env bash
# kefu developer entry point. Creates ./.venv on first use and keeps it in step with pyproject.toml.
#   bash dev.sh demo   install everything, load the demo shop, serve it (SQLite in ./.kefu)
#   bash dev.sh test   install everything, check style and run the full test suite
set -euo pipefail
cd "$(dirname "$0")"

PY="${PYTHON:-python3}"
VENV=.venv

install() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtualenv $VENV"
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.kefu-installed" want
  want="$(sha256sum pyproject.toml | cut -c1-64)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing kefu and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[test]"
    echo "$want" > "$stamp"
  fi
}

browser() {
  # Browser tests drive Debian's Chromium; never a downloaded browser.
  if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "==> installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) \
      >/dev/null || echo "!! could not install chromium: browser tests will be skipped"
  fi
}

case "${1:-}" in
  demo)
    shift
    install
    exec "$VENV/bin/kefu" demo "$@"
    ;;
  test)
    shift
    install
    browser
    echo "==> ruff"
    "$VENV/bin/ruff" check src tests bench
    echo "==> pytest (database: ${KEFU_DATABASE_URL:-SQLite}, bus: ${KEFU_REDIS_URL:-in-process})"
    # On SQLite every worker has its own database file, so the files run on two workers (KEFU_TEST_WORKERS);
    # on PostgreSQL the suite owns the one `test` database and runs in one process.
    if [ $# -eq 0 ] && [ -z "${KEFU_DATABASE_URL:-}" ] && [ "${KEFU_TEST_WORKERS:-2}" != 1 ]; then
      set -- -n "${KEFU_TEST_WORKERS:-2}" --dist loadfile
    fi
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: bash dev.sh demo|test [args]" >&2
    exit 2
    ;;
esac
