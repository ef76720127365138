"""Query-parameter filters of the API lists, applied to what the user's scope already allows."""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend


@dataclass(frozen=True)
class QueryFilter:
    """``?<name>=<value>`` keeps the rows whose ``lookup`` equals (or contains) the value ``parser`` accepts."""

    name: str
    lookup: str
    description: str
    parser: serializers.Field = field(default_factory=serializers.CharField)

    def parse(self, raw: str):
        try:
            return self.parser.run_validation(raw)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.name: error.detail}) from error

    @property
    def schema_type(self) -> str:
        return "integer" if isinstance(self.parser, serializers.IntegerField) else "string"


class QueryParameterFilter(BaseFilterBackend):
    """Narrows a view's queryset by the ``query_filters`` it declares; an empty parameter is ignored."""

    def filter_queryset(self, request, queryset, view):
        for query_filter in getattr(view, "query_filters", ()):
            raw = request.query_params.get(query_filter.name, "").strip()
            if raw:
                queryset = queryset.filter(**{query_filter.lookup: query_filter.parse(raw)})
        return queryset

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": query_filter.name,
                "in": "query",
                "required": False,
                "description": query_filter.description,
                "schema": {"type": query_filter.schema_type},
            }
            for query_filter in getattr(view, "query_filters", ())
        ]
