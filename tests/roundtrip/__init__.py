"""Round trips: real v2 studies rendered into each page layout, parsed back, compared field by field."""
