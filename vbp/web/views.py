"""The web system's pages; the first is a home page naming what is here so far."""

from django.shortcuts import render

from vbp.presets import PRESETS, load_preset


def home(request):
    """Home: the rule-set presets the calculation core ships."""
    return render(request, "web/home.html", {"rule_sets": [load_preset(name) for name in PRESETS]})
