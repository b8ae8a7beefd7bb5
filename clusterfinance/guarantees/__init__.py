"""Mutual guarantee: the guarantee network of member firms (circles, chains, contagion)."""
