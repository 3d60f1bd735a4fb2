"""The pure core of the public ledger: the published format of LEDGER.md as small functions.

Canonical bytes (jcs), entries (entry), the Merkle tree and its proofs (merkle), signed
notes (note) and checkpoints and bid receipts (checkpoint). Standard library and
`cryptography` only: no Django, so an outside verifier can run it as it is.
"""
