# vmsim_all_guests(<out-var>): every MIPS guest target defined so far (the targets
# add_mips_guest marks with the property MIPS_GUEST), in directory order. Call it
# after the directories that define guests, e.g. last in tests/CMakeLists.txt.
# Kept apart from MipsGuest.cmake: it only reads the properties that file sets.
include_guard(GLOBAL)

function(_vmsim_guests_in dir out_var)
  set(found "")
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(is_guest ${t} MIPS_GUEST)
    if(is_guest)
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _vmsim_guests_in("${sub}" sub_found)
    list(APPEND found ${sub_found})
  endforeach()
  set(${out_var} "${found}" PARENT_SCOPE)
endfunction()

function(vmsim_all_guests out_var)
  _vmsim_guests_in("${PROJECT_SOURCE_DIR}" guests)
  set(${out_var} "${guests}" PARENT_SCOPE)
endfunction()
