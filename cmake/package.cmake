# The Debian package (CPack DEB): `make package`, or `cpack` in build/release, writes
# maxpool_<version>_<arch>.deb with the files of cmake/install.cmake under /usr. Depends is
# computed by dpkg-shlibdeps from the binary's libraries, plus what no library reveals:
# ca-certificates (the TLS connections to the upstream verify against the system's CA store) and
# passwd for the postinst, which creates the `maxpool` system user the systemd unit runs as
# (deploy/debian/postinst). The package enables and starts nothing.
set(MAXPOOL_PACKAGE_MAINTAINER "The maxpool authors <maintainers@users.noreply.r-seed-9377cfd9.example>"
    CACHE STRING "Maintainer field of the Debian package")
set(MAXPOOL_PACKAGE_HOMEPAGE "" CACHE STRING "Homepage field of the Debian package (none if empty)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME maxpool)
set(CPACK_PACKAGE_VENDOR "The maxpool authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${MAXPOOL_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "local proxy that pools Claude accounts behind one endpoint")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CHECKSUM SHA256)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${MAXPOOL_PACKAGE_MAINTAINER})
if(MAXPOOL_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${MAXPOOL_PACKAGE_HOMEPAGE})
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates, passwd, tzdata")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/deploy/debian/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The long description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "maxpool pools several Claude accounts (subscription logins and API keys) behind
one Anthropic-compatible endpoint. Each request goes through the account with
the best remaining quota for the time left before that quota resets; it fails
over before the first byte when an account is limited, and holds requests with
heartbeats instead of returning 429 while capacity remains.
.
It has a gRPC control plane, Prometheus metrics and a terminal live view. The
package ships a hardened systemd unit (not enabled), a Grafana dashboard and
Prometheus alert rules in /usr/share/maxpool.")

include(CPack)
