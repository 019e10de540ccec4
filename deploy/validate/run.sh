#!/usr/bin/env bash
# Offline validation of the deployment files: Dockerfiles, compose files, Prometheus config, Kubernetes manifests.
# Called by .ci/run on every CI run (FISAO_CI=1: a missing second-opinion tool is then an error, not a note).
#   deploy/validate/run.sh
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
repo=$(cd ../.. && pwd)
ci=${FISAO_CI:-0}
missing() { if [ "$ci" = 1 ]; then echo "deploy validation: $1 is not available" >&2; exit 1; else echo "note: $1 is not available; skipped"; fi; }

# 1. Our validator (compose-spec schema, Kubernetes OpenAPI schema + strict fields, Dockerfile lint and checks),
#    then its self-test: every kind of break it claims to catch must be caught.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error --prefer-offline >/dev/null
fi
node validate.mjs
node selftest.mjs

# 2. Compose files through a real Compose implementation: docker compose v2 where a Docker install has it, else
#    Debian's docker-compose 1.29 (which is why the files avoid v2-only syntax such as a top-level name:).
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
else compose=()
fi
if [ ${#compose[@]} -gt 0 ]; then
  cd "$repo"
  for override in "" $(ls docker-compose.*.yml 2>/dev/null); do
    files=(-f docker-compose.yml); [ -n "$override" ] && files+=(-f "$override")
    "${compose[@]}" "${files[@]}" --profile monitoring config -q
    echo "compose config ok: ${compose[*]} ${files[*]}"
  done
  cd "$here"
else
  missing "docker compose / docker-compose"
fi

# 3. Prometheus config through promtool (Debian's prometheus package, unpacked, never installed or started).
promtool=$(command -v promtool || true)
if [ -z "$promtool" ] && command -v apt-get >/dev/null 2>&1; then
  tools=$(mktemp -d)
  trap 'rm -rf "$tools"' EXIT
  fetch() { (cd "$tools" && apt-get download prometheus >/dev/null 2>&1 && dpkg-deb -x prometheus_*.deb x); }
  if fetch || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && fetch; }; then promtool="$tools/x/usr/bin/promtool"; fi
fi
if [ -n "$promtool" ]; then
  "$promtool" check config "$repo/deploy/prometheus/prometheus.yml"
else
  missing "promtool"
fi
