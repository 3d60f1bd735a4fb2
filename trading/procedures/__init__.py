"""The procedures, one package each (a Django app): inquiry, tender, asset_sale.

A procedure package owns its stage machine (a proxy of `trading.models.Transaction` with
its django-fsm transitions and their rules), the bodies of its moves, its own models, its
pages, its API and its templates. It composes the procedure-neutral steps of `bidding`
(bid rounds, draws, panels, evaluation, challenges, contracts) and registers itself in
`trading.registry`; nothing below it imports it. docs/architecture.md has the checklist
for adding one.
"""
