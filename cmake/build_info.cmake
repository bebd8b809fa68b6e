# maxpool_add_build_info(TARGET): adds build_info.cc, the definition of app::GetBuildInfo()
# (src/app/version.h), to TARGET. The file is checked on every build by cmake/write_build_info.cmake
# and rewritten only when the project version, the build type or the git commit changed, so a new
# commit relinks the binary and recompiles nothing else. MAXPOOL_COMMIT, when set, is the commit
# to report instead of asking git (builds from a source tarball).
set(MAXPOOL_COMMIT "" CACHE STRING "Commit to report in `maxpool --version` (empty: ask git)")

function(maxpool_add_build_info target)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/build_info.cc)
  add_custom_target(${target}_build_info
                    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${output}
                            -DVERSION=${PROJECT_VERSION} -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
                            -DCOMMIT=${MAXPOOL_COMMIT}
                            -P ${PROJECT_SOURCE_DIR}/cmake/write_build_info.cmake
                    BYPRODUCTS ${output}
                    COMMENT "Checking the version and commit in build_info.cc"
                    VERBATIM)
  target_sources(${target} PRIVATE ${output})
  add_dependencies(${target} ${target}_build_info)
endfunction()
