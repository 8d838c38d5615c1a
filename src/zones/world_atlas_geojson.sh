#!/bin/sh
# world-atlas's countries (TopoJSON at 1:10m, 1:50m, 1:110m) converted to GeoJSON, as the
# package's users do, with topojson-client's topo2geo. Usage: world_atlas_geojson.sh NODE_MODULES OUT_DIR
set -eu
modules=$1 out=$2
mkdir -p "$out"
for scale in 10m 50m 110m; do
  node "$modules/topojson-client/bin/topo2geo" "countries=$out/countries-$scale.geojson" \
    < "$modules/world-atlas/countries-$scale.json"
done
