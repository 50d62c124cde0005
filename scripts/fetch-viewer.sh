#!/usr/bin/env bash
# Puts the prebuilt OHIF viewer (npm package @ohif/app, pinned) into .viewer/<version>/dist.
# Each version has its own folder (with its VERSION stamp), so fetching another version never replaces the files
# that a running server or test of a different version is serving.
# The tarball is cached in ~/.cache/medsam-for-ohif/viewer (or $MEDSAM_CACHE/viewer) so CI and later runs reuse it.
# `npm install @ohif/app` does not work (its dependencies are not all published, it wants Node 24): the package's
# dist/ is a complete static site, so `npm pack` + tar is all that is needed.
# usage: [OHIF_VERSION=3.12.10] bash scripts/fetch-viewer.sh   prints the viewer's dist folder on stdout, progress on stderr
set -euo pipefail

OHIF_VERSION="${OHIF_VERSION:-3.13.2}"
# The version becomes a folder name and an npm spec: only plain versions, never a path or a tag.
if [[ ! "$OHIF_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  echo "OHIF_VERSION=$OHIF_VERSION is not a version of @ohif/app (e.g. 3.13.2, 3.14.0-beta.6)" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${MEDSAM_CACHE:-$HOME/.cache/medsam-for-ohif}/viewer"
tarball="$cache/ohif-app-$OHIF_VERSION.tgz"
viewers="$root/.viewer"
dest="$viewers/$OHIF_VERSION"

complete() { [[ -f "$dest/VERSION" && "$(cat "$dest/VERSION")" == "$OHIF_VERSION" && -f "$dest/dist/index.html" ]]; }
if complete; then
  echo "$dest/dist"
  exit 0
fi

mkdir -p "$cache" "$viewers"
tmp=""
trap '[[ -z "$tmp" ]] || rm -rf "$tmp"' EXIT
if [[ ! -s "$tarball" ]]; then
  echo "fetching @ohif/app@$OHIF_VERSION (npm pack, about 50 MB) into $cache" >&2
  tmp="$(mktemp -d "$cache/pack.XXXXXX")"
  # npm pack checks the registry's integrity hash of what it downloads.
  (cd "$tmp" && npm pack "@ohif/app@$OHIF_VERSION" --silent >/dev/null) || {
    echo "npm pack @ohif/app@$OHIF_VERSION failed: not on the registry, or no network (see above)" >&2
    exit 1
  }
  mv "$tmp/ohif-app-$OHIF_VERSION.tgz" "$tarball"
  rm -rf "$tmp"
fi

echo "unpacking $tarball into $dest" >&2
# Unpacked into a private folder and renamed into place in one step: an interrupted run leaves no half viewer, and
# two runs unpacking the same version at once both end with one complete folder.
tmp="$(mktemp -d "$viewers/.unpack.XXXXXX")"
tar -xzf "$tarball" -C "$tmp" package/dist package/package.json
[[ -f "$tmp/package/dist/index.html" ]] || { echo "the tarball has no dist/index.html" >&2; exit 1; }
mkdir "$tmp/$OHIF_VERSION"
mv "$tmp/package/dist" "$tmp/$OHIF_VERSION/dist"
mv "$tmp/package/package.json" "$tmp/$OHIF_VERSION/package.json"
echo "$OHIF_VERSION" > "$tmp/$OHIF_VERSION/VERSION"
# A folder left by an interrupted older layout or a failed unpack (no stamp) is replaced; a complete one is kept.
if [[ -e "$dest" ]] && ! complete; then rm -rf "$dest"; fi
mv -T "$tmp/$OHIF_VERSION" "$dest" 2>/dev/null || complete || { echo "could not move the viewer into $dest" >&2; exit 1; }
echo "$dest/dist"
