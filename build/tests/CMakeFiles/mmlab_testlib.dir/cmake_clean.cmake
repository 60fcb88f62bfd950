file(REMOVE_RECURSE
  "CMakeFiles/mmlab_testlib.dir/testlib.c.o"
  "CMakeFiles/mmlab_testlib.dir/testlib.c.o.d"
  "libmmlab_testlib.a"
  "libmmlab_testlib.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mmlab_testlib.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
