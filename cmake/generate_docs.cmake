# cmake -DCULPRIT=path/to/culprit -DOUT=dir -P generate_docs.cmake
# Writes OUT/culprit.1.gz, OUT/culprit.bash and OUT/_culprit with `culprit --generate`.
file(MAKE_DIRECTORY ${OUT})
foreach(kind_file man:culprit.1 bash:culprit.bash zsh:_culprit)
  string(REPLACE ":" ";" pair ${kind_file})
  list(GET pair 0 kind)
  list(GET pair 1 name)
  execute_process(COMMAND ${CULPRIT} --generate ${kind} OUTPUT_FILE ${OUT}/${name}.tmp
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CULPRIT} --generate ${kind} failed: ${rc}")
  endif()
  file(RENAME ${OUT}/${name}.tmp ${OUT}/${name})
endforeach()
# -n: no name or time stamp in the header, so that the page is reproducible.
execute_process(COMMAND gzip -9nf ${OUT}/culprit.1 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed: ${rc}")
endif()
