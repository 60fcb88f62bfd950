file(REMOVE_RECURSE
  "CMakeFiles/mmlab_obj.dir/src/core/fault_inject.c.o"
  "CMakeFiles/mmlab_obj.dir/src/core/fault_inject.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/core/machine.c.o"
  "CMakeFiles/mmlab_obj.dir/src/core/machine.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/core/util.c.o"
  "CMakeFiles/mmlab_obj.dir/src/core/util.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/core/vmstat.c.o"
  "CMakeFiles/mmlab_obj.dir/src/core/vmstat.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/buddy.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/buddy.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/check.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/check.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/gfp.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/gfp.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/memmap.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/memmap.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/page_alloc.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/page_alloc.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/pcp.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/pcp.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/phys/zone.c.o"
  "CMakeFiles/mmlab_obj.dir/src/phys/zone.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/proc/buddyinfo.c.o"
  "CMakeFiles/mmlab_obj.dir/src/proc/buddyinfo.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/proc/meminfo.c.o"
  "CMakeFiles/mmlab_obj.dir/src/proc/meminfo.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/proc/proc.c.o"
  "CMakeFiles/mmlab_obj.dir/src/proc/proc.c.o.d"
  "CMakeFiles/mmlab_obj.dir/src/proc/zoneinfo.c.o"
  "CMakeFiles/mmlab_obj.dir/src/proc/zoneinfo.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mmlab_obj.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
