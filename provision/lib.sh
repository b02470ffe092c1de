#!/usr/bin/env bash
# Helpers sourced by the provision/*.sh scripts. Every helper is idempotent: calling it again when the
# machine is already right changes nothing.
# shellcheck disable=SC2034 # variables here are used by the scripts that source this file

# Prints a progress line prefixed with the script's step name.
log() { printf '[lab:%s] %s\n' "${LAB_STEP:-provision}" "$*"; }

# Prints an error and exits non-zero.
die() {
  printf '[lab:%s] ERROR: %s\n' "${LAB_STEP:-provision}" "$*" >&2
  exit 1
}

# Fails unless every named environment variable is set and non-empty (Vagrant passes them, see provision/lab_env.rb).
require_env() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || die "environment variable $name is not set (run through Vagrant, which passes lab.config.json)"
  done
}

# write_file PATH MODE < content
# Writes stdin to PATH with MODE only when the content differs. Returns 0 when the file changed, 1 when it
# was already right, so callers restart services only on change: `if write_file ...; then restart; fi`.
write_file() {
  local path="$1" mode="$2" tmp
  tmp="$(mktemp)"
  cat >"$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
    chmod "$mode" "$path"
    return 1
  fi
  install -D -m "$mode" "$tmp" "$path"
  rm -f "$tmp"
  log "wrote $path"
  return 0
}

# retry ATTEMPTS DELAY_SECONDS command...  (for network steps only)
retry() {
  local attempts="$1" delay="$2" n=1
  shift 2
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      log "failed after $n attempts: $*"
      return 1
    fi
    log "attempt $n failed, retrying in ${delay}s: $*"
    sleep "$delay"
    n=$((n + 1))
  done
}

# wait_for DESCRIPTION TIMEOUT_SECONDS command...  polls every 5 s until the command succeeds.
wait_for() {
  local what="$1" timeout="$2" waited=0
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$waited" -ge "$timeout" ]; then
      die "timed out after ${timeout}s waiting for $what"
    fi
    sleep 5
    waited=$((waited + 5))
  done
  log "ready: $what"
}

APT_UPDATED=0
# Runs `apt-get update` once per script run, and only when something is to be installed.
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    retry 3 10 apt-get update -qq
    APT_UPDATED=1
  fi
}

# Installs the named packages that are missing (any version).
ensure_packages() {
  local pkg missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt_update_once
    log "installing ${missing[*]}"
    retry 3 10 apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# ensure_pinned_packages NAME=VERSION...  installs exactly these versions (up or down) and holds them.
ensure_pinned_packages() {
  local spec name version wrong=() names=()
  for spec in "$@"; do
    name="${spec%%=*}"
    version="${spec#*=}"
    names+=("$name")
    [ "$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)" = "$version" ] || wrong+=("$spec")
  done
  if [ ${#wrong[@]} -gt 0 ]; then
    apt_update_once
    log "installing pinned ${wrong[*]}"
    retry 3 10 apt-get install -y -qq --no-install-recommends --allow-change-held-packages --allow-downgrades \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${wrong[@]}"
  fi
  apt-mark hold "${names[@]}" >/dev/null
}

# Downloads URL to PATH unless PATH already exists (pinned URLs only: content never changes).
download_once() {
  local url="$1" path="$2"
  [ -s "$path" ] && return 0
  mkdir -p "$(dirname "$path")"
  retry 5 10 curl -fsSL --connect-timeout 20 -o "$path.part" "$url"
  mv "$path.part" "$path"
}

# The admin kubeconfig kubectl uses in this script (control plane: admin.conf; worker: the copy from .lab/).
kubectl_as_admin() { KUBECONFIG="${LAB_KUBECONFIG:?}" kubectl "$@"; }

# Asserts that a node registered with the host-only IP (not VirtualBox's NAT 10.0.2.15).
assert_node_ip() {
  local node="$1" want="$2" got
  got="$(kubectl_as_admin get node "$node" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')"
  [ "$got" = "$want" ] || die "node $node has InternalIP '$got', expected $want (kubelet node-ip not applied)"
  log "node $node InternalIP is $got"
}
