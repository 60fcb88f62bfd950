
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/core/fault_inject.c" "CMakeFiles/mmlab_obj.dir/src/core/fault_inject.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/core/fault_inject.c.o.d"
  "/work/main/src/core/machine.c" "CMakeFiles/mmlab_obj.dir/src/core/machine.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/core/machine.c.o.d"
  "/work/main/src/core/util.c" "CMakeFiles/mmlab_obj.dir/src/core/util.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/core/util.c.o.d"
  "/work/main/src/core/vmstat.c" "CMakeFiles/mmlab_obj.dir/src/core/vmstat.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/core/vmstat.c.o.d"
  "/work/main/src/phys/buddy.c" "CMakeFiles/mmlab_obj.dir/src/phys/buddy.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/buddy.c.o.d"
  "/work/main/src/phys/check.c" "CMakeFiles/mmlab_obj.dir/src/phys/check.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/check.c.o.d"
  "/work/main/src/phys/gfp.c" "CMakeFiles/mmlab_obj.dir/src/phys/gfp.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/gfp.c.o.d"
  "/work/main/src/phys/memmap.c" "CMakeFiles/mmlab_obj.dir/src/phys/memmap.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/memmap.c.o.d"
  "/work/main/src/phys/page_alloc.c" "CMakeFiles/mmlab_obj.dir/src/phys/page_alloc.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/page_alloc.c.o.d"
  "/work/main/src/phys/pcp.c" "CMakeFiles/mmlab_obj.dir/src/phys/pcp.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/pcp.c.o.d"
  "/work/main/src/phys/zone.c" "CMakeFiles/mmlab_obj.dir/src/phys/zone.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/phys/zone.c.o.d"
  "/work/main/src/proc/buddyinfo.c" "CMakeFiles/mmlab_obj.dir/src/proc/buddyinfo.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/proc/buddyinfo.c.o.d"
  "/work/main/src/proc/meminfo.c" "CMakeFiles/mmlab_obj.dir/src/proc/meminfo.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/proc/meminfo.c.o.d"
  "/work/main/src/proc/proc.c" "CMakeFiles/mmlab_obj.dir/src/proc/proc.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/proc/proc.c.o.d"
  "/work/main/src/proc/zoneinfo.c" "CMakeFiles/mmlab_obj.dir/src/proc/zoneinfo.c.o" "gcc" "CMakeFiles/mmlab_obj.dir/src/proc/zoneinfo.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
