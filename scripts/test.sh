#!/usr/bin/env bash
# `npm test`: installs what the tests need (npm packages, the Python model tooling, the LiteMedSAM model), then runs
# the typecheck and the lint (each counted as one test) and every suite:
#   1. model export + ONNX Runtime vs PyTorch parity on the tiny random model, the torch-free converter against the
#      torch export with LiteMedSAM's real weights (pytest, models/tests)
#   2. unit and parity tests of the TypeScript engine and the OHIF adapters (jest)
#   3. the viewer host: static server, proxy, headers (node --test)
#   4. end to end: Orthanc + the prebuilt OHIF viewer + our extension and mode in Debian Chromium (@playwright/test;
#      counts from its JSON report, tests/out/e2e.json)
#   5. the end-to-end smoke on every other prebuilt OHIF version (npm run test:compat --skip-default; about a minute
#      a version): MEDSAM_COMPAT=ends runs only the oldest and the newest, MEDSAM_COMPAT=0 none
# and ends with one line "tests: N passed, N failed" that sums them all.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export ONNXRUNTIME_NODE_INSTALL=skip
out="$root/tests/out"
mkdir -p "$out"
# Counts are read from these files: a suite that crashes before writing must not report the previous run's.
rm -f "$out/pytest.xml" "$out/jest.json" "$out/host.tap" "$out/e2e.json" "$out/e2e.log" "$out/compat.log"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm packages (npm ci)"
  npm ci --no-audit --no-fund || exit 1
fi
venv="$(bash scripts/setup-python.sh)" || { echo "could not set up the Python environment (see above)"; exit 1; }
echo "== the default model: LiteMedSAM's published weights (npm run model:litemedsam)"
bash scripts/model-litemedsam.sh || { echo "could not make LiteMedSAM (see above); the real-model tests need it"; exit 1; }

echo "== system packages: Orthanc, Chromium, dicom3tools, dcmtk (apt when root)"
node --input-type=module -e "import { ensureSystemPackages } from './scripts/lib/system-deps.mjs'; ensureSystemPackages(['orthanc', 'chromium', 'dicom3tools', 'dcmtk']);" || exit 1

passed=0; failed=0; status=0
add_counts() { passed=$((passed + $1)); failed=$((failed + $2)); }

echo "== typecheck (tsc --noEmit, strict, the whole tree)"
if npx tsc -p tsconfig.json --noEmit; then add_counts 1 0; else add_counts 0 1; status=1; fi

echo "== lint (eslint: architecture boundaries, typescript-eslint; prettier --check; import cycles, type-only included)"
if npm run --silent lint; then add_counts 1 0; else add_counts 0 1; status=1; fi

echo "== models: export and ONNX Runtime vs PyTorch parity (pytest)"
"$venv/bin/python" -m pytest -q -s models/tests --junitxml="$out/pytest.xml" || status=1
read -r p f < <("$venv/bin/python" - "$out/pytest.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
    s = r if r.tag == 'testsuite' else r.find('testsuite')
    t, fl, e, sk = (int(s.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped'))
    print(t - fl - e - sk, fl + e)
except Exception:
    print(0, 1)
PY
)
add_counts "$p" "$f"

echo "== engine: unit and parity tests (jest)"
npx jest --ci --json --outputFile="$out/jest.json" || status=1
read -r p f < <(node -e "try{const r=require(process.argv[1]);console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites)}catch(e){console.log(0,1)}" "$out/jest.json")
add_counts "$p" "$f"

echo "== viewer host: server and proxy (node --test)"
node --test --test-reporter=tap scripts/lib/*.test.mjs > "$out/host.tap" 2>&1 || status=1
tail -8 "$out/host.tap"
p=$(sed -n 's/^# pass //p' "$out/host.tap"); f=$(sed -n 's/^# fail //p' "$out/host.tap")
add_counts "${p:-0}" "${f:-1}"

echo "== end to end: Orthanc + prebuilt OHIF + MedSAM in Chromium (@playwright/test, playwright.config.mjs)"
E2E_REPORT="$out/e2e.json" node_modules/.bin/playwright test 2>&1 | tee "$out/e2e.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r p f < <(node scripts/lib/e2e-report.mjs "$out/e2e.json")
echo "end to end: $p passed, $f failed"
add_counts "${p:-0}" "${f:-1}"

if [ "${MEDSAM_COMPAT:-all}" != "0" ]; then
  echo "== OHIF versions: the end-to-end smoke on the other prebuilt viewers (npm run test:compat)"
  compat_args=(--skip-default)
  [ "${MEDSAM_COMPAT:-all}" = "ends" ] && compat_args+=(--ends)
  # dist/ was built by the end-to-end run just before.
  MEDSAM_SKIP_BUILD=1 node scripts/test-compat.mjs "${compat_args[@]}" 2>&1 | tee "$out/compat.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  line=$(grep -E '^compat: [0-9]+ passed, [0-9]+ failed$' "$out/compat.log" | tail -1)
  p=$(echo "$line" | cut -d' ' -f2); f=$(echo "$line" | cut -d' ' -f4)
  add_counts "${p:-0}" "${f:-1}"
fi

echo "tests: $passed passed, $failed failed"
exit $status
