# Install.cmake — what `cmake --install` puts under the prefix (GNUInstallDirs):
#   bin/                                   espurna-ota, espurna-vdev, espurna-mkimage
#   share/man/man1/                        their manual pages
#   share/bash-completion/completions/     espurna-ota
#   share/zsh/site-functions/              _espurna-ota
#   share/espurna-ota/lab/                 the lab (run, lab-device, README.md): virtual devices
#                                          in a private network namespace; it finds espurna-vdev
#                                          in the bin/ of its own prefix
#   share/doc/espurna-ota/                 copyright
# The .deb (Packaging.cmake) is made from the same rules.
include(GNUInstallDirs)

install(TARGETS espurna-ota espurna-vdev espurna-mkimage RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES man/espurna-ota.1 man/espurna-vdev.1 man/espurna-mkimage.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES completions/espurna-ota.bash RENAME espurna-ota
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES completions/_espurna-ota DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(PROGRAMS tests/lab/run tests/lab/lab-device
        DESTINATION ${CMAKE_INSTALL_DATADIR}/espurna-ota/lab)
install(FILES tests/lab/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/espurna-ota/lab)
install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
