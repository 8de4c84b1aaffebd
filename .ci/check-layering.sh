#!/usr/bin/env bash
# Dependencies point one way: bins -> app crates -> domain crates. A pure crate
# that gains tokio, a database, SSH or Discord in its normal dependencies fails here.
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden_for_pure='^(tokio|twilight-[a-z]+|diesel|diesel-async|ssh2|libsqlite3-sys|tokio-postgres|reqwest|hyper) '
forbidden_for_domain='^(twilight-[a-z]+|ssh2) '

fail=0
check() {
    local crate=$1 pattern=$2
    [ -d "crates/$crate" ] || return 0
    local found
    found=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' 2>/dev/null | grep -E "$pattern" | sort -u || true)
    if [ -n "$found" ]; then
        echo "layering violation: $crate depends on:" >&2
        echo "$found" >&2
        fail=1
    else
        echo "ok: $crate"
    fi
}

for crate in etl-parser etl-teams etl-session etl-sim etl-charts; do
    check "$crate" "$forbidden_for_pure"
done
for dir in crates/*/; do
    check "$(basename "$dir")" "$forbidden_for_domain"
done
exit $fail
