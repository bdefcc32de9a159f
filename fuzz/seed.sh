#!/usr/bin/env bash
# Copies the seed corpus — the bundled drills and the test workflows — into fuzz/corpus/<target>/
# (not committed: the sources stay where they are).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/drill corpus/workflow corpus/expression corpus/arm_request
cp ../scenarios/*.toml corpus/drill/
find ../crates/slotdrill-wdl/tests/data ../tests/data -name '*.json' -exec cp {} corpus/workflow/ \; 2>/dev/null || true
# Expressions: every "@…" string of the test workflows, one per file.
grep -rhoE '"@[^"]{1,200}"' ../crates/slotdrill-wdl/tests/data ../scenarios 2>/dev/null \
  | sed -e 's/^"@//' -e 's/"$//' | sort -u | split -l 1 - corpus/expression/seed-
printf 'GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Web/sites/orders?api-version=2024-11-01\n' > corpus/arm_request/get-site
printf 'POST /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Web/sites/orders/slotsswap?api-version=2024-11-01\n{"targetSlot":"deploy","preserveVnet":true}' > corpus/arm_request/swap
printf 'PUT /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Web/sites/orders/slots/deploy/config/appsettings?api-version=2024-11-01\n{"properties":{"A":"1"}}' > corpus/arm_request/settings
