"""The negotiated asset sale (公开协商出售 of state-owned assets)."""
