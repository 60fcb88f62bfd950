# CMake generated Testfile for 
# Source directory: /work/main/tests/phys
# Build directory: /work/main/build/tests/phys
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_buddy]=] "/work/main/build/tests/phys/test_buddy")
set_tests_properties([=[test_buddy]=] PROPERTIES  ENVIRONMENT "MMLAB_SOURCE_DIR=/work/main;MMLAB_BINARY_DIR=/work/main/build" LABELS "unit;" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;15;add_test;/work/main/tests/phys/CMakeLists.txt;1;mmlab_test;/work/main/tests/phys/CMakeLists.txt;0;")
add_test([=[test_property]=] "/work/main/build/tests/phys/test_property")
set_tests_properties([=[test_property]=] PROPERTIES  ENVIRONMENT "MMLAB_SOURCE_DIR=/work/main;MMLAB_BINARY_DIR=/work/main/build" LABELS "unit;" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;15;add_test;/work/main/tests/phys/CMakeLists.txt;2;mmlab_test;/work/main/tests/phys/CMakeLists.txt;0;")
add_test([=[test_stress]=] "/work/main/build/tests/phys/test_stress")
set_tests_properties([=[test_stress]=] PROPERTIES  ENVIRONMENT "MMLAB_SOURCE_DIR=/work/main;MMLAB_BINARY_DIR=/work/main/build" LABELS "unit;concurrency" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;15;add_test;/work/main/tests/phys/CMakeLists.txt;3;mmlab_test;/work/main/tests/phys/CMakeLists.txt;0;")
add_test([=[test_proc_phys]=] "/work/main/build/tests/phys/test_proc_phys")
set_tests_properties([=[test_proc_phys]=] PROPERTIES  ENVIRONMENT "MMLAB_SOURCE_DIR=/work/main;MMLAB_BINARY_DIR=/work/main/build" LABELS "unit;" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;15;add_test;/work/main/tests/phys/CMakeLists.txt;4;mmlab_test;/work/main/tests/phys/CMakeLists.txt;0;")
add_test([=[test_big_machine]=] "/work/main/build/tests/phys/test_big_machine")
set_tests_properties([=[test_big_machine]=] PROPERTIES  ENVIRONMENT "MMLAB_SOURCE_DIR=/work/main;MMLAB_BINARY_DIR=/work/main/build" LABELS "unit;" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;15;add_test;/work/main/tests/phys/CMakeLists.txt;5;mmlab_test;/work/main/tests/phys/CMakeLists.txt;0;")
