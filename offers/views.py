from django.shortcuts import render

from membership.decorators import partner_required


@partner_required
def offer_list(request):
    return render(request, "offers/offer_list.html", {})
