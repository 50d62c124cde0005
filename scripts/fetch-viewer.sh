#!/usr/bin/env bash
# Puts the prebuilt OHIF viewer (npm package @ohif/app, pinned) into .viewer/dist.
# The tarball is cached in ~/.cache/medsam-for-ohif/viewer (or $MEDSAM_CACHE/viewer) so CI and later runs reuse it.
# `npm install @ohif/app` does not work (its dependencies are not all published, it wants Node 24): the package's
# dist/ is a complete static site, so `npm pack` + tar is all that is needed.
# usage: bash scripts/fetch-viewer.sh        prints the viewer folder on stdout, progress on stderr
set -euo pipefail

OHIF_VERSION="${OHIF_VERSION:-3.13.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${MEDSAM_CACHE:-$HOME/.cache/medsam-for-ohif}/viewer"
tarball="$cache/ohif-app-$OHIF_VERSION.tgz"
dest="$root/.viewer"
stamp="$dest/VERSION"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$OHIF_VERSION" && -f "$dest/dist/index.html" ]]; then
  echo "$dest/dist"
  exit 0
fi

mkdir -p "$cache"
if [[ ! -s "$tarball" ]]; then
  echo "fetching @ohif/app@$OHIF_VERSION (npm pack, about 50 MB) into $cache" >&2
  tmp="$(mktemp -d "$cache/pack.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the registry's integrity hash of what it downloads.
  (cd "$tmp" && npm pack "@ohif/app@$OHIF_VERSION" --silent >/dev/null)
  mv "$tmp/ohif-app-$OHIF_VERSION.tgz" "$tarball"
fi

echo "unpacking $tarball into $dest" >&2
# Unpack inside .viewer (ignored by git) and swap dist/ in at the end, so an interrupted run leaves no half viewer.
work="$dest/.unpack"
rm -rf "$work" "$stamp"
mkdir -p "$work"
tar -xzf "$tarball" -C "$work" package/dist package/package.json
[[ -f "$work/package/dist/index.html" ]] || { echo "the tarball has no dist/index.html" >&2; exit 1; }
rm -rf "$dest/dist"
mv "$work/package/dist" "$dest/dist"
mv "$work/package/package.json" "$dest/package.json"
rm -rf "$work"
echo "$OHIF_VERSION" > "$stamp"
echo "$dest/dist"
