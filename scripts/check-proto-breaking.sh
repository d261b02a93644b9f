#!/usr/bin/env bash
# `buf breaking`: the .proto contracts in the working tree against main's previous contract.
#
# What "previous" means depends on where this runs:
#  - on a branch (HEAD is not main's tip): the merge-base of HEAD and main, i.e. the contract the
#    branch started from and will land on;
#  - on main itself (CI on a fresh clone, or right after a landing): every parent of HEAD, so a
#    merge commit is held to both the main it extends and the branch it brings in;
#  - PROTO_BREAKING_BASE=<commit> overrides both.
# A deliberate break is declared in history, never by skipping the check: a commit between the base
# and HEAD whose message carries a `Contract-Break: <why>` trailer lets that one comparison pass.
set -euo pipefail
cd "$(dirname "$0")/.."

have_commit() { git cat-file -e "$1^{commit}" 2>/dev/null; }

main_ref=""
for candidate in main origin/main; do
  if git rev-parse --verify -q "$candidate^{commit}" >/dev/null; then
    main_ref="$candidate"
    break
  fi
done

head=$(git rev-parse HEAD)
bases=()
if [ -n "${PROTO_BREAKING_BASE:-}" ]; then
  bases=("$(git rev-parse "$PROTO_BREAKING_BASE^{commit}")")
elif [ -n "$main_ref" ] && [ "$(git rev-parse "$main_ref")" != "$head" ]; then
  bases=("$(git merge-base HEAD "$main_ref")")
else
  if [ "$(git rev-parse --is-shallow-repository)" = "true" ] && ! have_commit HEAD^1; then
    # A depth-1 clone has no parent to compare with; one more commit is enough.
    git fetch --quiet --deepen=1 || true
  fi
  read -r -a parents <<<"$(git rev-list --parents -n 1 HEAD | cut -d' ' -f2-)"
  for parent in "${parents[@]}"; do
    [ "$parent" = "$head" ] && continue
    bases+=("$parent")
  done
  if [ "${#bases[@]}" -eq 0 ]; then
    echo "proto breaking: HEAD is the first commit; there is no previous contract to compare with"
    exit 0
  fi
fi

status=0
for base in "${bases[@]}"; do
  if ! have_commit "$base"; then
    echo "proto breaking: commit $base is not in this clone (shallow?); fetch more history or set PROTO_BREAKING_BASE" >&2
    status=1
    continue
  fi
  declared=$(git log --format=%B "$base..HEAD" | grep -m1 '^Contract-Break:' || true)
  if [ -n "$declared" ]; then
    echo "proto breaking: against ${base:0:12} a break is declared ($declared)"
    continue
  fi
  echo "proto breaking: checking against ${base:0:12}"
  npx buf breaking --against ".git#ref=$base" || status=1
done
exit "$status"
