# What `cmake --install` (and the Debian package) puts under CMAKE_INSTALL_PREFIX:
#   bin/maxpool                          the only program (not the tests, fake upstream or bench)
#   lib/maxpool/                         a shared build's own libraries (the dev preset only)
#   share/doc/maxpool/                   README.md, LICENSE, and docs/*.md in docs/ (README's links)
#   share/maxpool/grafana/maxpool.json   the Grafana dashboard
#   share/maxpool/prometheus/alerts.yml  the Prometheus alert rules
#   share/maxpool/systemd/maxpool.service
#   lib/systemd/system/maxpool.service   the same unit where systemd looks for it (prefix /usr)
#   share/man/man1/maxpool.1             the manual page (`maxpool help --man`, written when the
#                                        maxpool target is built: src/app/CMakeLists.txt)
# DESTDIR is honoured as usual.
include(GNUInstallDirs)
# `cmake --install` and cpack install what is built and build nothing themselves: build the
# `maxpool` target first (`make package` does), not the benchmarks of the release preset too.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS maxpool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# A shared build (the dev preset) installs its own libraries beside it, in lib/maxpool, where the
# installed binary's RUNPATH looks (CMAKE_INSTALL_RPATH). The release build and the package are
# static and install none.
if(BUILD_SHARED_LIBS)
  install(TARGETS maxpool_app maxpool_server maxpool_logging maxpool_config maxpool_credentials
                  maxpool_proxy maxpool_control maxpool_admin maxpool_pool maxpool_fake
                  maxpool_core maxpool_proto maxpool_wire_proto maxpool_control_client maxpool_tui
                  maxpool_version
          LIBRARY DESTINATION lib/maxpool)
endif()
install(FILES ${MAXPOOL_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

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
