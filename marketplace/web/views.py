from django.shortcuts import render

from marketplace.selectors_status import index_status


def home(request):
    return render(request, "marketplace/home.html", {"status": index_status()})
