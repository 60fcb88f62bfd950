file(REMOVE_RECURSE
  "libmmlab.a"
  "libmmlab.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mmlab.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
