"""Model fields for on-chain values that SQLite cannot hold natively."""

from django.db import models

UINT256_DIGITS = 78


class Uint256Field(models.CharField):
    """A uint256 stored as a zero-padded decimal string: exact on every database, and ordered.

    SQLite turns integers above 2^63 into lossy floats, so a numeric column would not do; the
    padding keeps lexicographic order equal to numeric order for sorting and range filters.
    """

    # What django-stubs reads for the Python type of the field (a CharField's would be str).
    _pyi_private_set_type: int | str
    _pyi_private_get_type: int  # type: ignore[assignment]  # a str column, an int in Python

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = UINT256_DIGITS
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if value is None:
            return None
        number = int(value)
        if number < 0 or number >= 2**256:
            raise ValueError(f"{number} is not a uint256")
        return str(number).zfill(UINT256_DIGITS)

    def from_db_value(self, value, expression, connection):
        return None if value is None else int(value)

    def to_python(self, value):
        return None if value is None else int(value)
