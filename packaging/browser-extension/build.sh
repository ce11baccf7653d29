#!/usr/bin/env bash
# Builds the extension into target/browser-extension/: applinkd-chromium.zip (load
# unpacked, or upload to a store) and applinkd-firefox.xpi (unsigned: Firefox ESR,
# Developer Edition or Nightly with xpinstall.signatures.required=false, or sign it
# with `web-ext sign`). The same files go into both; browsers ignore the other's keys.
# With --lint, runs `web-ext lint` first (web-ext from npm: WEB_EXT=path or npx).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/browser-extension"
files=(manifest.json background.js daemon.js popup.html popup.js popup.css options.html options.js route.html route.js icons)

if [ "${1:-}" = "--lint" ]; then
  web_ext="${WEB_EXT:-npx --yes web-ext}"
  $web_ext lint --source-dir "$here" --ignore-files build.sh README.md ids.json
fi

mkdir -p "$out"
rm -f "$out/applinkd-chromium.zip" "$out/applinkd-firefox.xpi"
stage="$out/stage"
rm -rf "$stage" && mkdir -p "$stage"
(cd "$here" && cp -R "${files[@]}" "$stage/")
cd "$stage"
# Fixed times and order, so the same sources give the same archive.
find . -exec touch -d 2020-01-01T00:00:00Z {} +
find . -type f | sed 's|^\./||' | LC_ALL=C sort | zip -X -q -D "$out/applinkd-chromium.zip" -@
cp "$out/applinkd-chromium.zip" "$out/applinkd-firefox.xpi"
echo "$out/applinkd-chromium.zip"
echo "$out/applinkd-firefox.xpi"
