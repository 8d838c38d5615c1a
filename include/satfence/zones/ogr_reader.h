// Zones from the other formats operators keep them in: KML, GeoPackage, Shapefile and
// whatever else GDAL/OGR reads, through the same validation and property mapping as
// GeoJSON (geojson_reader.h).
//
//   ZoneReadResult r = ReadZonesFile("zones.gpkg", {.id_property = "zone_id"});
//
// Each layer is reprojected to WGS-84 longitude/latitude by GDAL (PROJ) and handed to the
// GeoJSON reader as a FeatureCollection, so every check, limit and error of that reader
// applies; errors name the file and layer ("zones.gpkg:fences"), the feature's index in
// its layer and its id. Limits checked before GDAL parses anything: the file's size
// (limits.max_bytes; for a Shapefile, its .shp) and the number of features per layer.
// Ids must be unique across layers. Attribute types come through as JSON types (a KML
// Placemark's name is the property "Name").
#ifndef SATFENCE_ZONES_OGR_READER_H_
#define SATFENCE_ZONES_OGR_READER_H_

#include <string>

#include "satfence/zones/geojson_reader.h"

namespace satfence::zones {

ZoneReadResult ReadZonesOgrFile(const std::string& path, const ZoneMapping& mapping = {},
                                const GeoJsonLimits& limits = {});

// By extension: .geojson and .json through ReadZonesGeoJsonFile, anything else through
// ReadZonesOgrFile.
ZoneReadResult ReadZonesFile(const std::string& path, const ZoneMapping& mapping = {},
                             const GeoJsonLimits& limits = {});

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_OGR_READER_H_
