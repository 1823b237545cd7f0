# Packaging.cmake — the Debian package, made by CPack from the install rules (Install.cmake):
#   cpack -G DEB --config <build>/CPackConfig.cmake -B <dir>   or   cmake --build <build> --target package
# Depends come from dpkg-shlibdeps (dpkg-dev) on the installed binaries; Recommends and Suggests
# name what runs beside them. packaging/prebuild.cmake.in adjusts the staged tree to Debian's
# layout (gzipped manual pages, zsh vendor-completions, changelog.gz).
set(EO_PACKAGE_MAINTAINER "espurna-ota maintainers <maintainers@users.noreply.b-seed-6093de30.example>"
    CACHE STRING "Maintainer field of the .deb: Name <address>")
set(EO_PACKAGE_HOMEPAGE "" CACHE STRING "Homepage field of the .deb (left out when empty)")
# the date of the changelog entry (RFC 5322): fixed, so that the package is reproducible
set(EO_PACKAGE_DATE "Tue, 24 Nov 2026 12:00:00 +0000")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${PROJECT_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the espurna-ota authors")
set(CPACK_PACKAGE_CONTACT "${EO_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # espurna-ota_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${EO_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(EO_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${EO_PACKAGE_HOMEPAGE}")
endif()
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# discover, batch --all and name.local devices go through a running avahi-daemon (avahi-client
# talks to it over D-Bus); devices given by address need nothing. The lab
# (/usr/share/espurna-ota/lab/run) starts its own dbus-daemon and avahi-daemon inside a private
# network namespace, with ip (iproute2) and sysctl (procps).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "avahi-daemon")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "dbus, iproute2, procps")
# the extended description: lines of at most 80 characters
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Full ESPurna images have outgrown single-step OTA on 1 MB devices: a new\n"
  "image must fit beside the running one. espurna-ota inspects images, finds\n"
  "devices over mDNS, plans each update from ESP8266 flash arithmetic (two steps\n"
  "through a core image when needed) and pushes images over the device's own\n"
  "protocols (espota, web upgrade, the telnet terminal's ota command), to one\n"
  "device or to a fleet with canaries, waves and retries.\n"
  "The package also holds espurna-vdev, a virtual ESPurna device that real tools\n"
  "cannot tell from firmware on the wire, espurna-mkimage, which writes test\n"
  "images, and the lab that runs virtual devices in a private network namespace.")

configure_file(packaging/changelog.in ${PROJECT_BINARY_DIR}/packaging/changelog @ONLY)
set(EO_CHANGELOG ${PROJECT_BINARY_DIR}/packaging/changelog)
configure_file(packaging/prebuild.cmake.in ${PROJECT_BINARY_DIR}/packaging/prebuild.cmake @ONLY)
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_BINARY_DIR}/packaging/prebuild.cmake)

include(CPack)
