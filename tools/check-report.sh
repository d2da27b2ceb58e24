#!/usr/bin/env bash
# Opens a sparselmm HTML report in headless Chromium (Debian's chromium package) and fails on page errors:
# script errors, images that do not decode, and any request that is not an embedded data: URL (the report must be
# self-contained). Not run in CI.
#
# Usage:
#   tools/check-report.sh [REPORT.html] [--screenshot FILE.png]
# Without REPORT.html it builds the CLI and writes the sleepstudy report first.
# Set-up: apt-get install chromium   (and fonts-dejavu-core, which the figures need anyway)
set -euo pipefail
cd "$(dirname "$0")/.."

report=""
screenshot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) screenshot="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) report="$1"; shift ;;
  esac
done

chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium_bin" ]; then
  echo "check-report: chromium not found (apt-get install chromium)" >&2
  exit 2
fi

work=$(mktemp -d)
profile=$(mktemp -d)
trap 'rm -rf "$work" "$profile"' EXIT

if [ -z "$report" ]; then
  report="$work/report.html"
  dotnet build src/SparseLmm.Cli -c Release -v quiet -nologo >/dev/null
  dotnet src/SparseLmm.Cli/bin/Release/net10.0/SparseLmm.Cli.dll report sleepstudy \
    "Reaction ~ 1 + Days + (1 + Days | Subject)" --out "$report"
fi
if [ ! -f "$report" ]; then
  echo "check-report: no such file: $report" >&2
  exit 2
fi

# A copy of the page with a checker as the first thing in <head>: it records errors (script errors, and resources
# that fail to load, caught in the capture phase) and, after the load event, writes one result line into the page.
checker='<script>
window.__checkErrors = [];
window.addEventListener("error", function (e) {
  var target = e.target && e.target !== window ? (e.target.tagName + " " + String(e.target.src || e.target.href || "").slice(0, 40)) : "";
  window.__checkErrors.push("error: " + (e.message || target));
}, true);
window.addEventListener("unhandledrejection", function (e) { window.__checkErrors.push("rejection: " + e.reason); });
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !i.complete || i.naturalWidth === 0; }).length;
  var external = performance.getEntriesByType("resource").map(function (r) { return r.name; })
    .filter(function (n) { return n.indexOf("data:") !== 0; });
  var result = document.createElement("pre");
  result.id = "check-report-result";
  result.textContent = "CHECK-REPORT images=" + images.length + " broken=" + broken + " errors=" +
    window.__checkErrors.length + " external=" + external.length + " :: " + window.__checkErrors.concat(external).join(" | ");
  document.body.appendChild(result);
});
</script>'
page="$work/page.html"
python3 - "$report" "$page" "$checker" <<'PY'
import sys
source, target, checker = sys.argv[1], sys.argv[2], sys.argv[3]
html = open(source, encoding="utf-8").read()
at = html.find("<head>")
if at < 0:
    sys.exit("check-report: the page has no <head>")
at += len("<head>")
open(target, "w", encoding="utf-8").write(html[:at] + "\n" + checker + "\n" + html[at:])
PY

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-quic --user-data-dir="$profile"
       --host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=10000
       --enable-logging=stderr --v=0)

dom="$work/dom.html"
log="$work/chromium.log"
if ! timeout 120 "$chromium_bin" "${flags[@]}" --dump-dom "file://$page" >"$dom" 2>"$log"; then
  echo "check-report: chromium failed:" >&2
  tail -20 "$log" >&2
  exit 1
fi

result=$(grep -o 'id="check-report-result">CHECK-REPORT[^<]*' "$dom" | sed 's/^id="check-report-result">//' || true)
console=$(grep -E 'CONSOLE.*(Uncaught|Error|Failed)' "$log" || true)
status=0
if [ -z "$result" ]; then
  echo "check-report: the page did not finish loading (no result line)" >&2
  status=1
else
  echo "$result"
  images=$(sed -E 's/.*images=([0-9]+).*/\1/' <<<"$result")
  if ! grep -q ' broken=0 errors=0 external=0 ' <<<"$result"; then status=1; fi
  if [ "$images" -eq 0 ]; then echo "check-report: the page has no images" >&2; status=1; fi
fi
if [ -n "$console" ]; then
  echo "check-report: console errors:" >&2
  echo "$console" >&2
  status=1
fi

if [ -n "$screenshot" ]; then
  timeout 120 "$chromium_bin" "${flags[@]}" --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$(realpath -m "$screenshot")" "file://$(realpath "$report")" >/dev/null 2>&1 || true
  [ -f "$screenshot" ] && echo "screenshot: $screenshot"
fi

if [ "$status" -eq 0 ]; then echo "check-report: OK ($report)"; else echo "check-report: FAILED ($report)" >&2; fi
exit "$status"
