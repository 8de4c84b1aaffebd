#!/usr/bin/env bash
# cargo-deny wants its advisory database as a git checkout; it cannot be fetched
# here, so make one from the snapshot in ../shared/advisory-db.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
snapshot="$root/../shared/advisory-db"
target="$root/target/advisory-dbs/advisory-db-3157b0e258782691"
if [ ! -d "$snapshot" ]; then
    echo "no advisory snapshot at $snapshot" >&2
    exit 1
fi
if [ -d "$target/.git" ]; then
    exit 0
fi
rm -rf "$target"
mkdir -p "$target"
cp -r "$snapshot"/. "$target"/
cd "$target"
git init -q
git add -A
git -c user.name=ci -c user.email=ci@localhost commit -q -m "advisory-db snapshot"
