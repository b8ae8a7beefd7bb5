"""The classic cluster financing schemes inside the framework, one package per scheme."""
