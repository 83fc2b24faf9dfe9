"""The months as dates show them (``N`` in ``DATE_FORMAT``), given here so the catalogue writes them alike.

Django's own Spanish has "Ene." and "Feb." capitalised but "ago." and "dic." not; Spanish writes month
names in lower case, so ``locale/es`` (which Django reads before its own) gives all twelve. Django looks
them up by this context and these English words (``django.utils.dates.MONTHS_AP``); listing them here is
what puts them in the catalogue.
"""

from django.utils.translation import pgettext_lazy

MONTHS_AP = (
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"),
    pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"),
    pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"),
    pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."),
    pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."),
    pgettext_lazy("abbrev. month", "Dec."),
)
