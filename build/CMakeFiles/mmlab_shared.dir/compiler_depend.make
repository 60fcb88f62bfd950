# Empty compiler generated dependencies file for mmlab_shared.
# This may be replaced when dependencies are built.
