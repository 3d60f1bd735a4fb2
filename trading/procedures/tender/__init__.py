"""The open tender (公开招标; Bidding Law and its Regulations)."""
