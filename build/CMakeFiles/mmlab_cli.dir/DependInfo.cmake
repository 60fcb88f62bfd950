
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tools/mmlab/main.c" "CMakeFiles/mmlab_cli.dir/tools/mmlab/main.c.o" "gcc" "CMakeFiles/mmlab_cli.dir/tools/mmlab/main.c.o.d"
  "/work/main/tools/mmlab/tour.c" "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour.c.o" "gcc" "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour.c.o.d"
  "/work/main/tools/mmlab/tour_phys.c" "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour_phys.c.o" "gcc" "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour_phys.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/mmlab.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
