# Empty dependencies file for mmlab_cli.
# This may be replaced when dependencies are built.
