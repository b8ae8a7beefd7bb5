"""The fund pool (资金池): the money the finance company holds for the cluster — member deposits,
credit lines from institutions, notes subscribed by private investors, government funds — every
movement a ledger entry; and its liquidity."""
