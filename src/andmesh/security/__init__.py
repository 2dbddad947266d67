"""Trust: the workspace secret and the keys derived from it (audit chain, value masking)."""
