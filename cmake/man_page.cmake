# Writes the manual page of maxpool: `${MAXPOOL} help --man > ${OUT}` without a shell, failing
# the build when the binary fails. Run as: cmake -DMAXPOOL=<binary> -DOUT=<file> -P man_page.cmake
get_filename_component(out_dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${out_dir})
execute_process(COMMAND ${MAXPOOL} help --man OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE result
                ERROR_VARIABLE error)
if(NOT result EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "`${MAXPOOL} help --man` failed (${result}): ${error}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
