from django.shortcuts import render

from membership.decorators import partner_required


@partner_required
def request_list(request):
    return render(request, "support/request_list.html", {})
