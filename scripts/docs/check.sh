#!/usr/bin/env bash
# Cheap checks of the docs, run by `make docs-check` (and so by `make test`):
#  1. every relative Markdown link in README.md and docs/**/*.md resolves: the file or directory
#     exists and, for a link into a Markdown page, the #anchor names one of its headings (GitHub's
#     slugs: lower case, punctuation dropped, spaces to hyphens, -1/-2 for repeats; non-ASCII
#     characters are dropped, so keep anchors to ASCII headings);
#  2. every Makefile target has a `## target: description` line (what `make help` prints);
#  3. the README's make-target table names every target.
# Prints every problem with file and line; exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C
problems=0
fail() { echo "docs-check: $*" >&2; problems=$((problems + 1)); }

# Headings of a Markdown page as GitHub anchors, one a line (code fences skipped).
anchors() {
  awk '
    /^[ ]*(```|~~~)/ { fence = !fence; next }
    fence { next }
    /^#+ / {
      h = $0; sub(/^#+ +/, "", h); sub(/ +#* *$/, "", h)
      h = tolower(h); gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h)
      n = seen[h]++; print (n ? h "-" n : h)
    }' "$1"
}

# file<TAB>line<TAB>target for every [text](target) outside code fences and inline code.
links() {
  awk '
    /^[ ]*(```|~~~)/ { fence = !fence; next }
    fence { next }
    {
      line = $0; gsub(/`[^`]*`/, "", line)
      while (match(line, /\]\([^) ]+\)/)) {
        print FILENAME "\t" FNR "\t" substr(line, RSTART + 2, RLENGTH - 3)
        line = substr(line, RSTART + RLENGTH)
      }
    }' "$@"
}

mapfile -t pages < <(ls README.md; find docs -name '*.md' | sort)
while IFS=$'\t' read -r file line target; do
  case "$target" in http://*|https://*|mailto:*) continue ;; esac
  path=${target%%#*}
  anchor=""
  [[ "$target" == *"#"* ]] && anchor=${target#*#}
  if [[ -z "$path" ]]; then resolved=$file; else resolved=$(dirname "$file")/$path; fi
  if [[ ! -e "$resolved" ]]; then fail "$file:$line: link to $target: $resolved does not exist"; continue; fi
  if [[ -n "$anchor" && "$resolved" == *.md ]]; then
    anchors "$resolved" | grep -qxF -- "$anchor" || fail "$file:$line: link to $target: no heading with anchor #$anchor in $resolved"
  fi
done < <(links "${pages[@]}")

mapfile -t targets < <(grep -oE '^[A-Za-z0-9_-]+:([^=]|$)' Makefile | cut -d: -f1 | sort -u)
for t in "${targets[@]}"; do
  grep -qE "^## $t: " Makefile || fail "Makefile: target $t has no '## $t: description' line (make help)"
  grep -qE "^\| .*\`make $t[\` ]" README.md || fail "README.md: the make-target table does not list \`make $t\`"
done

if (( problems > 0 )); then echo "docs-check: $problems problem(s)" >&2; exit 1; fi
echo "docs-check: ${#pages[@]} pages, links and anchors resolve; ${#targets[@]} make targets described and in the README"
