"""The HTTP layer: one module per resource; nothing below it knows about HTTP."""
