"""Admin change lists whose date hierarchy stays inside the calendar.

Django's date hierarchy turns ``?created_at__year=9999`` into the range [9999-01-01, 10000-01-01)
and a 20-digit year into datetime(...): an OverflowError, a 500. Out-of-range parts are refused
the way Django refuses any bad lookup (IncorrectLookupParameters: the list reloads with ``?e=1``).
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

from .forms import EARLIEST_DATE, LATEST_DATE
from .ids import parse_id

_PART_RANGES = {
    "year": (EARLIEST_DATE.year, LATEST_DATE.year),
    "month": (1, 12),
    "day": (1, 31),
}


class BoundedDateHierarchyChangeList(ChangeList):
    def get_filters(self, request):
        if self.date_hierarchy:
            for part, (low, high) in _PART_RANGES.items():
                values = request.GET.getlist(f"{self.date_hierarchy}__{part}")
                if values:
                    number = parse_id(values[-1])
                    if number is None or not low <= number <= high:
                        raise IncorrectLookupParameters(f"{part} out of range")
        return super().get_filters(request)


class BoundedDateHierarchyMixin:
    """For a ModelAdmin with ``date_hierarchy``: a year, month or day outside the calendar is a bad lookup."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateHierarchyChangeList
