"""Re-allocation of the fund pool: the solver (pure) and, to come, the allocation runs."""
