file(REMOVE_RECURSE
  "CMakeFiles/mmlab_cli.dir/tools/mmlab/main.c.o"
  "CMakeFiles/mmlab_cli.dir/tools/mmlab/main.c.o.d"
  "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour.c.o"
  "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour.c.o.d"
  "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour_phys.c.o"
  "CMakeFiles/mmlab_cli.dir/tools/mmlab/tour_phys.c.o.d"
  "mmlab"
  "mmlab.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mmlab_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
