file(REMOVE_RECURSE
  "libmmlab.pdb"
  "libmmlab.so"
  "libmmlab.so.0"
  "libmmlab.so.0.1.0"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mmlab_shared.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
