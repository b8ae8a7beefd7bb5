"""The top layer (DESIGN.md §3): one package per agent kind, its portal and the records only that agent keeps."""
