"""Names for the parts of a form that Django's admin leaves without one.

A date-and-time field is two boxes under one visible label that points at neither (the
label of a field made of several inputs has no ``for``), so a screen reader announces
"edit text" twice, and axe-core reports both as unlabelled. Each box is named after its
field ("Publication time: date", "Publication time: time").
"""

from django.contrib.admin.widgets import AdminSplitDateTime


def name_date_and_time(field):
    """Give the date and the time box of ``field`` (a form field) their own names."""
    if field is not None and isinstance(field.widget, AdminSplitDateTime):
        date, time = field.widget.widgets
        date.attrs["aria-label"] = f"{field.label}: date"
        time.attrs["aria-label"] = f"{field.label}: time"
    return field


class NamedFormParts:
    """A ModelAdmin or inline mixin: every date-and-time field's two boxes are named."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return name_date_and_time(super().formfield_for_dbfield(db_field, request, **kwargs))
