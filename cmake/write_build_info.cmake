# Run at build time (cmake -P, by the target of maxpool_add_build_info in build_info.cmake):
# writes OUTPUT, the definition of app::GetBuildInfo(), from VERSION, BUILD_TYPE and COMMIT (else
# the short hash of SOURCE_DIR's git HEAD, "-dirty" with uncommitted changes to tracked files,
# "unknown" when SOURCE_DIR is not the top of a git checkout). OUTPUT is left untouched when its
# content would not change.
set(commit "${COMMIT}")
if(commit STREQUAL "")
  set(commit unknown)
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --show-toplevel
                    OUTPUT_VARIABLE top RESULT_VARIABLE top_rc OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET)
    file(REAL_PATH "${SOURCE_DIR}" source_real)
    if(top_rc EQUAL 0 AND NOT top STREQUAL "")
      file(REAL_PATH "${top}" top)
    endif()
    if(top_rc EQUAL 0 AND top STREQUAL source_real)
      execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short HEAD
                      OUTPUT_VARIABLE hash RESULT_VARIABLE hash_rc
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      # --no-optional-locks: never take the index lock of a tree other people work in.
      execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} --no-optional-locks status
                              --porcelain --untracked-files=no
                      OUTPUT_VARIABLE changes RESULT_VARIABLE status_rc ERROR_QUIET)
      if(hash_rc EQUAL 0 AND NOT hash STREQUAL "")
        set(commit "${hash}")
        if(status_rc EQUAL 0 AND NOT changes STREQUAL "")
          string(APPEND commit "-dirty")
        endif()
      endif()
    endif()
  endif()
endif()
if(BUILD_TYPE STREQUAL "")
  set(BUILD_TYPE unknown)
endif()

set(content "// Written by cmake/write_build_info.cmake at build time.
#include \"app/version.h\"

namespace maxpool::app {

BuildInfo GetBuildInfo() { return {\"${VERSION}\", \"${commit}\", \"${BUILD_TYPE}\"}; }

}  // namespace maxpool::app
")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
  message(STATUS "build_info.cc: maxpool ${VERSION} (commit ${commit}, ${BUILD_TYPE})")
endif()
