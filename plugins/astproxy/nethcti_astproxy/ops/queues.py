"""Operations: (being written)."""

OPERATIONS = ()
