from django.shortcuts import render

from membership.decorators import role_required
from membership.permissions import Action


@role_required(Action.VIEW_BILLING)
def billing_home(request):
    return render(request, "billing/billing_home.html", {})
