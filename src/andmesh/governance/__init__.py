"""Governance: the council, policies as code, proposals and decisions, access, lineage, reuse and economics."""
