# Dependencies.cmake — finds every library through pkg-config; a missing one stops configure
# with the Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' "
                      "(apt-get install pkg-config), or run scripts/deps")
endif()

# eo_require(<target-name> <pkg-config module> <debian package>)
function(eo_require name module package)
  pkg_check_modules(${name} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package '${package}' "
                        "(apt-get install ${package}), or run scripts/deps")
  endif()
  message(STATUS "${module} ${${name}_VERSION}")
endfunction()

eo_require(CURL libcurl libcurl4-openssl-dev)
eo_require(MHD libmicrohttpd libmicrohttpd-dev)
eo_require(AVAHI avahi-client libavahi-client-dev)
eo_require(JANSSON jansson libjansson-dev)
eo_require(CRYPTO libcrypto libssl-dev)
eo_require(ZLIB zlib zlib1g-dev)
if(BUILD_TESTING)
  eo_require(CMOCKA cmocka libcmocka-dev)
endif()
find_package(Threads REQUIRED)
