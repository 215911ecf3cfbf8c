#!/usr/bin/env bash
# Installs the real tools the tests run, from Debian's packages, when they are missing:
#   prometheus         -> prometheus + promtool (a real Prometheus scraping the service; rule checks and rule unit tests)
#   kubernetes-client  -> kubectl, client side only (builds the Secrets in the create-secrets.sh test)
#   prometheus-alertmanager -> amtool (Debian 12: 0.25.0, the Alertmanager version the prometheus chart
#                         deploys), checks the generated Alertmanager config and its routes
# Idempotent: installs nothing when all are already on PATH. Used by `npm run setup` and .ci/run.
# On a machine running systemd, Debian also starts the packages' daemons (prometheus on :9090,
# alertmanager on :9093); the tests do not use them.
set -euo pipefail

missing=()
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then missing+=(prometheus); fi
if ! command -v kubectl >/dev/null 2>&1; then missing+=(kubernetes-client); fi
if ! command -v amtool >/dev/null 2>&1; then missing+=(prometheus-alertmanager); fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing test tools: ${missing[*]}. This script installs them with apt-get (Debian/Ubuntu);" >&2
  echo "on another system install Prometheus 2.x (prometheus, promtool), amtool 0.25 and kubectl yourself." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "missing test tools: ${missing[*]}; run this script as root (or install sudo) to apt-get install them." >&2
    exit 1
  fi
fi
echo "--- installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
