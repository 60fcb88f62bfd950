CMakeFiles/mmlab_obj.dir/src/core/vmstat.c.o: \
 /work/main/src/core/vmstat.c /usr/include/stdc-predef.h \
 /work/main/src/core/vmstat.h
