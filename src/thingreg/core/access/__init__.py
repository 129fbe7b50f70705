"""Access control: who is asking (:mod:`.principal`), what they may see or change
(:mod:`.policy`), and how owners and their API keys are kept (:mod:`.keys`)."""
