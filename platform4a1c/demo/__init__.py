"""Demo data, built through the same services users call. Each step is a module with
``seed(world, out)``; ``seed_demo`` runs them in order. Steps must be idempotent."""

DEMO_PASSWORD = "Demo4a1c!2026"  # noqa: S105 - printed and in the README on purpose

STEPS = [
    "platform4a1c.demo.registry",
    "platform4a1c.demo.loans",
    "platform4a1c.demo.records",
    "platform4a1c.demo.info",
    "platform4a1c.demo.disclosure",
    "platform4a1c.demo.rating",
    "platform4a1c.demo.guarantees",
    "platform4a1c.demo.pool",
    "platform4a1c.demo.programmes",
    "platform4a1c.demo.sanctions",
    "platform4a1c.demo.investors",
    "platform4a1c.demo.government",
    "platform4a1c.demo.group_loans",
    "platform4a1c.demo.cross_shareholding",
    "platform4a1c.demo.collective_bond",
    "platform4a1c.demo.rotating_fund",
    "platform4a1c.demo.settle",  # last: the night after, so a second run finds nothing new
]
