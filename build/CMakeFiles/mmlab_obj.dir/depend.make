# Empty dependencies file for mmlab_obj.
# This may be replaced when dependencies are built.
