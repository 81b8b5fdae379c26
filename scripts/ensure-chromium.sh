#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests when it is missing.
# The tests drive /usr/bin/chromium with playwright-core; nothing is downloaded by npm.
set -euo pipefail

# CHROMIUM_PATH points the tests at another Chromium (a developer's machine without Debian's package).
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing; install it with \"sudo apt-get install -y chromium\" or set CHROMIUM_PATH" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
