#!/usr/bin/env bash
# Worker's last provisioner: copies the repository to VM-local disk (the vboxsf share has no symlinks, so
# `npm ci` cannot run there), installs its npm dependencies when the lockfile changed, and runs the zx deploy
# script (scripts/lab/deploy.ts) with the admin kubeconfig for that process only. Idempotent.
set -euo pipefail
LAB_STEP="deploy"
# shellcheck source=provision/lib.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/lib.sh"
require_env LAB_REPO_DIR LAB_VM_REPO_DIR LAB_VM_KUBECONFIG

log "syncing $LAB_REPO_DIR to $LAB_VM_REPO_DIR"
install -d -m 0755 "$LAB_VM_REPO_DIR"
rsync -a --delete \
  --exclude=/node_modules/ --exclude=/dist/ --exclude=/.git/ --exclude=/.lab/ --exclude=/.vagrant/ \
  --exclude=/.venv/ --exclude=/.tools/ --exclude=/coverage/ --exclude=/.test-results/ --exclude=/.bench/ \
  "$LAB_REPO_DIR/" "$LAB_VM_REPO_DIR/"

cd "$LAB_VM_REPO_DIR"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.lab-lock.sha256 2>/dev/null || true)" != "$lock_hash" ]; then
  log "npm ci (package-lock.json changed)"
  retry 3 20 npm ci --no-audit --no-fund
  printf '%s\n' "$lock_hash" >node_modules/.lab-lock.sha256
fi

# The commit of the host's checkout (empty when git or the repository is missing): image metadata only.
LAB_GIT_COMMIT="$(git -c safe.directory='*' -C "$LAB_REPO_DIR" rev-parse HEAD 2>/dev/null || true)"
export LAB_GIT_COMMIT
KUBECONFIG="$LAB_VM_KUBECONFIG" npx --no-install tsx scripts/lab/deploy.ts
