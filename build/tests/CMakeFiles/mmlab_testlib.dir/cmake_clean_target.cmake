file(REMOVE_RECURSE
  "libmmlab_testlib.a"
)
