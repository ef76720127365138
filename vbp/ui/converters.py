"""URL parameters that cannot overflow: an id of at most 18 digits, a year of four."""

from django.urls import register_converter


class IdConverter:
    """A row id: 1 to 18 digits, so it always fits the database's 64-bit integer (else the URL is 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class YearConverter:
    """An assessment year: four digits."""

    regex = "[12][0-9]{3}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")
    register_converter(YearConverter, "year")
