"""Business actions of the bidding domain (keyword-only functions, one database
transaction each, or a savepoint inside a procedure's move)."""
