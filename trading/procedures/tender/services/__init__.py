"""The tender's steps. Each module holds one step's entry points (what pages and the API
call: they check the inputs, then perform the move with `transaction_transition`, or
record a step that is not a stage change in one database transaction) and the bodies of
its moves (called by the machine, inside that move's database transaction)."""
