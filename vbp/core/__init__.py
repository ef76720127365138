"""The pure calculation core: rule sets, scoring, retention amounts.

Nothing here imports Django or touches files or databases; every formula of
docs/domain.md lives here once, and the web system and ``vbp calc`` call it.
"""
