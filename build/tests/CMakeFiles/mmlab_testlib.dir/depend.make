# Empty dependencies file for mmlab_testlib.
# This may be replaced when dependencies are built.
