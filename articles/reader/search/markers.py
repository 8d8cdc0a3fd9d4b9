"""Where a match starts and ends in a snippet: characters never in a story, which the
backends put around matches and ``highlight`` turns into ``<mark>``."""

MARK_START, MARK_END = "\u27e6", "\u27e7"  # ⟦ ⟧
