# aegis exokernel and AVM tests (aegis_test.cpp): included by
# tests/vmlib/CMakeLists.txt. The guest images are built in vmlib/aegis.
if(TARGET vmsim AND COMMAND aegis_add_system)
  set(aegis_guests aegis_avm_test aegis_smallstlb_test aegis_stlb_test aegis_asid_test
                   aegis_nohandler_test aegis_badstlb_test)
  add_executable(vmlib_aegis_test "${CMAKE_CURRENT_LIST_DIR}/aegis_test.cpp")
  target_link_libraries(vmlib_aegis_test PRIVATE GTest::gtest_main)
  target_include_directories(vmlib_aegis_test PRIVATE "${PROJECT_SOURCE_DIR}/tests/sim")
  target_compile_definitions(vmlib_aegis_test PRIVATE "VMSIM_BINARY=\"$<TARGET_FILE:vmsim>\"")
  foreach(guest IN LISTS aegis_guests)
    string(TOUPPER "${guest}_ELF" def)
    target_compile_definitions(vmlib_aegis_test PRIVATE
      "${def}=\"$<TARGET_PROPERTY:${guest},ELF_FILE>\"")
  endforeach()
  if(TARGET aegis_appel)  # workloads/appel on aegis
    target_compile_definitions(vmlib_aegis_test PRIVATE
      "AEGIS_APPEL_ELF=\"$<TARGET_PROPERTY:aegis_appel,ELF_FILE>\"")
    list(APPEND aegis_guests aegis_appel)
  endif()
  add_dependencies(vmlib_aegis_test vmsim ${aegis_guests})
  gtest_discover_tests(vmlib_aegis_test
    PROPERTIES ENVIRONMENT SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 TIMEOUT 120)
endif()
