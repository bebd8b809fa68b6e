# What `cmake --install` (and the Debian package) puts under CMAKE_INSTALL_PREFIX:
#   bin/maxpool                          the only program (not the tests, fake upstream or bench)
#   share/doc/maxpool/                   README.md, LICENSE, and docs/*.md in docs/ (README's links)
#   share/maxpool/grafana/maxpool.json   the Grafana dashboard
#   share/maxpool/prometheus/alerts.yml  the Prometheus alert rules
#   share/maxpool/systemd/maxpool.service
#   lib/systemd/system/maxpool.service   the same unit where systemd looks for it (prefix /usr)
# DESTDIR is honoured as usual.
include(GNUInstallDirs)
# `cmake --install` and cpack install what is built and build nothing themselves: build the
# `maxpool` target first (`make package` does), not the benchmarks of the release preset too.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS maxpool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

file(GLOB maxpool_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${maxpool_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

set(maxpool_data ${CMAKE_INSTALL_DATADIR}/maxpool)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/grafana/maxpool.json DESTINATION ${maxpool_data}/grafana)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/prometheus/alerts.yml
        DESTINATION ${maxpool_data}/prometheus)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/maxpool.service
        DESTINATION ${maxpool_data}/systemd)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/maxpool.service DESTINATION lib/systemd/system)
