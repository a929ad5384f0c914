#!/usr/bin/env bash
# Formats every hand-written Java file with palantir-java-format (through Spotless, configured in the
# root pom.xml) and switches the format check on, so that from then on `mvn verify` — and therefore
# `make test` and CI — fails on a badly formatted file, and `mvn spotless:apply` fixes it.
#
# Run once, on a clean checkout of main, after everyone has landed; commit the result alone
# ("format: ..."), so the commit changes layout and nothing else. It refuses a dirty tree, checks that
# the formatted tree still compiles and passes the check, and prints what to commit.
#
#   scripts/format-all.sh            format, flip the check on, compile, check
#   scripts/format-all.sh --no-build format and flip only (the compile is the slow part)
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) echo "usage: scripts/format-all.sh [--no-build]" >&2; exit 64 ;;
esac

if [[ -n "$(git status --porcelain)" ]]; then
  echo "format-all: the work tree has changes; commit or remove them first (the formatting commit must be alone)" >&2
  exit 1
fi
if ! grep -q '<spotless.check.skip>true</spotless.check.skip>' pom.xml; then
  echo "format-all: pom.xml does not have <spotless.check.skip>true</spotless.check.skip>: already applied?" >&2
  exit 1
fi

start=$(date +%s)
mvn -B -q spotless:apply
echo "format-all: spotless:apply took $(( $(date +%s) - start )) s; $(git diff --name-only | wc -l) files changed"

sed -i 's|<spotless.check.skip>true</spotless.check.skip>|<spotless.check.skip>false</spotless.check.skip>|' pom.xml
sed -i '/<!-- format-all: /d' pom.xml

if [[ $build == 1 ]]; then
  mvn -B -q -DskipTests install
  # The index of files already checked lives under target/; drop it so the check reads every file.
  find . -path '*/target/spotless-index' -prune -exec rm -rf {} +
  mvn -B -q spotless:check
  echo "format-all: the formatted tree compiles and spotless:check passes"
fi

echo "format-all: now review and commit, alone:"
echo "  git add -A && git commit -m 'format: the whole tree with palantir-java-format; spotless:check on in mvn verify'"
