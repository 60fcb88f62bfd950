file(REMOVE_RECURSE
  "CMakeFiles/test_buddy.dir/test_buddy.c.o"
  "CMakeFiles/test_buddy.dir/test_buddy.c.o.d"
  "test_buddy"
  "test_buddy.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_buddy.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
