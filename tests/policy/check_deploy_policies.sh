#!/bin/sh
# Checks every example policy in deploy/policies/ with `airlock policy check
# --strict` (warnings fail too), the way an operator would before rollout:
# the ${VAR}s they use point at a scratch tree made here, and each module
# file they name is a minimal Wasm module (the bundled tools are a separate
# build; the policy check only needs a readable Wasm file).
#
# usage: check_deploy_policies.sh AIRLOCK_BINARY POLICY_DIR
set -eu
airlock=$1
policies=$2
root=$(mktemp -d /tmp/airlock-deploy-policies.XXXXXX)
trap 'rm -rf "$root"' EXIT

export AIRLOCK_WORKSPACE="$root/workspace"
export AIRLOCK_SCRATCH="$root/scratch"
export AIRLOCK_DATA="$root/data"
export AIRLOCK_TOOLS_DIR="$root/tools"
mkdir -p "$AIRLOCK_WORKSPACE" "$AIRLOCK_SCRATCH" "$AIRLOCK_TOOLS_DIR"
for t in acme globex platform ci; do
  mkdir -p "$AIRLOCK_DATA/tenants/$t" "$AIRLOCK_DATA/scratch/$t"
done

count=0
failed=0
for policy in "$policies"/*.yaml; do
  # Every module named ${AIRLOCK_TOOLS_DIR}/NAME.wasm gets an empty module.
  sed -n 's/.*\${AIRLOCK_TOOLS_DIR}\/\([A-Za-z0-9_-]*\.wasm\).*/\1/p' \
    "$policy" | while read -r module; do
    printf '\000asm\001\000\000\000' > "$AIRLOCK_TOOLS_DIR/$module"
  done
  count=$((count + 1))
  if out=$("$airlock" policy check --strict "$policy" 2>&1) &&
     echo "$out" | grep -q '^ok: '; then
    echo "$policy: $out"
  else
    echo "$policy: FAILED"
    echo "$out"
    failed=$((failed + 1))
  fi
done
if [ "$count" -lt 2 ]; then
  echo "expected at least 2 policies in $policies, found $count"
  exit 1
fi
echo "$((count - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
