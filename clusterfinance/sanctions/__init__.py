"""Rewards and penalties (奖惩): the rules that decide them (``rules``: pure functions over a
loan's facts) and their application (``services``: published by the finance company as public
sanctions in the centre, once per loan and rule)."""
