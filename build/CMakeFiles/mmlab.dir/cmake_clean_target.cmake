file(REMOVE_RECURSE
  "libmmlab.a"
)
