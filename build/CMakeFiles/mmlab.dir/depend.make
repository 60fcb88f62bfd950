# Empty dependencies file for mmlab.
# This may be replaced when dependencies are built.
