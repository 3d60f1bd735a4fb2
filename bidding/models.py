"""Bidders, sealed envelopes, receipts, openings, evaluation, draws and auctions.

Empty until the first procedure with sealed bids (the inquiry) lands here.
"""
