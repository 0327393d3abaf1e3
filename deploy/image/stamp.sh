# Sourced by the release and image scripts: what a build is stamped with.
#   VERSION            the workspace version (Cargo.toml)
#   COMMIT             `git rev-parse HEAD`, with `-dirty` when tracked files differ from it
#   SOURCE_DATE_EPOCH  the commit's time (image timestamps), unless already set
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
if COMMIT="$(git rev-parse HEAD 2>/dev/null)"; then
  git diff --quiet HEAD -- 2>/dev/null || COMMIT="$COMMIT-dirty"
  SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}"
else
  COMMIT=unknown
  SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"
fi
export VERSION COMMIT SOURCE_DATE_EPOCH
