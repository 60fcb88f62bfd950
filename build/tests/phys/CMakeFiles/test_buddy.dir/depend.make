# Empty dependencies file for test_buddy.
# This may be replaced when dependencies are built.
