from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import checkout, views

app_name = "offers"

urlpatterns = [
    path("", views.offer_list, name="offer_list"),
    path("<id:offer_id>/subscribe/", views.subscribe, name="subscribe"),
    path("renew/<id:subscription_id>/", views.renew_start, name="renew_start"),
    path("checkout/<id:order_id>/verify/", checkout.VerifyStep.as_view(), name="checkout_verify"),
    path("checkout/<id:order_id>/terms/", checkout.TermsStep.as_view(), name="checkout_terms"),
    path(
        "checkout/<id:order_id>/billing-profile/",
        checkout.BillingProfileStep.as_view(),
        name="checkout_billing_profile",
    ),
    path("checkout/<id:order_id>/payment/", checkout.PaymentStep.as_view(), name="checkout_payment"),
    path("checkout/<id:order_id>/card/", checkout.AddCardStep.as_view(), name="checkout_add_card"),
    path("checkout/<id:order_id>/review/", checkout.ReviewStep.as_view(), name="checkout_review"),
    path("checkout/<id:order_id>/buy/", checkout.BuyStep.as_view(), name="checkout_buy"),
    path("checkout/<id:order_id>/confirm/", checkout.ConfirmPaymentStep.as_view(), name="checkout_confirm"),
    path("checkout/<id:order_id>/done/", checkout.DoneStep.as_view(), name="checkout_done"),
]
