"""The method page: how every figure in the reports is worked out, in full (reports.guide)."""

from django.shortcuts import render

from reports.guide import NOTES, method_sections


def method(request):
    return render(request, "reports/method.html", {"method_sections": method_sections(), "notes": NOTES})
