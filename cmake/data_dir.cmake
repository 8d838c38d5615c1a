# The data directory (include/satfence/base/data_dir.h): what the binary reads besides its
# inputs, laid out as in the source tree.
#
# Build tree: <build>/share/satfence holds links to the source tree's folders, so the
# binary at <build>/satfence finds them beside itself and nothing of the source tree's
# place is compiled in.
set(_data_dir "${CMAKE_BINARY_DIR}/share/satfence")
file(MAKE_DIRECTORY "${_data_dir}")
foreach(dir data examples web testdata)
  if(NOT EXISTS "${_data_dir}/${dir}")
    file(CREATE_LINK "${CMAKE_SOURCE_DIR}/${dir}" "${_data_dir}/${dir}" SYMBOLIC)
  endif()
endforeach()

# Installed: <prefix>/bin/satfence and <prefix>/share/satfence/ with the files it reads.
# The world zones and the report's libraries are npm packages that scripts/setup installs;
# they are installed when present (a machine without them installs the rest).
include(GNUInstallDirs)
set(_share "${CMAKE_INSTALL_DATADIR}/satfence")
install(TARGETS satfence RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY "${CMAKE_SOURCE_DIR}/examples/" DESTINATION "${_share}/examples")
install(FILES "${CMAKE_SOURCE_DIR}/data/README.md" DESTINATION "${_share}/data")
install(DIRECTORY "${CMAKE_SOURCE_DIR}/data/zones/" DESTINATION "${_share}/data/zones")
foreach(set countries-maritime-10m countries-land-10m)
  install(FILES "${CMAKE_SOURCE_DIR}/data/world/node_modules/@geo-maps/${set}/map.geo.json"
                "${CMAKE_SOURCE_DIR}/data/world/node_modules/@geo-maps/${set}/LICENSE"
          DESTINATION "${_share}/data/world/node_modules/@geo-maps/${set}" OPTIONAL)
endforeach()
install(DIRECTORY "${CMAKE_SOURCE_DIR}/testdata/" DESTINATION "${_share}/testdata")
install(FILES "${CMAKE_SOURCE_DIR}/web/report.html" "${CMAKE_SOURCE_DIR}/web/report.js"
              "${CMAKE_SOURCE_DIR}/web/README.md" DESTINATION "${_share}/web")
# The libraries src/report/report.cc inlines into the page, with their licences.
foreach(f leaflet/dist/leaflet.js leaflet/dist/leaflet.css leaflet/LICENSE
          topojson-client/dist/topojson-client.min.js topojson-client/LICENSE
          chart.js/dist/chart.umd.min.js chart.js/LICENSE.md
          world-atlas/countries-50m.json world-atlas/LICENSE)
  get_filename_component(_dir "${f}" DIRECTORY)
  install(FILES "${CMAKE_SOURCE_DIR}/web/node_modules/${f}"
          DESTINATION "${_share}/web/node_modules/${_dir}" OPTIONAL)
endforeach()
