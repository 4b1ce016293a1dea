from django.urls import path

from . import checkout, views

app_name = "offers"

urlpatterns = [
    path("", views.offer_list, name="offer_list"),
    path("<int:offer_id>/subscribe/", views.subscribe, name="subscribe"),
    path("renew/<int:subscription_id>/", views.renew_start, name="renew_start"),
    path("checkout/<int:order_id>/verify/", checkout.VerifyStep.as_view(), name="checkout_verify"),
    path("checkout/<int:order_id>/terms/", checkout.TermsStep.as_view(), name="checkout_terms"),
    path("checkout/<int:order_id>/payment/", checkout.PaymentStep.as_view(), name="checkout_payment"),
    path("checkout/<int:order_id>/card/", checkout.AddCardStep.as_view(), name="checkout_add_card"),
    path("checkout/<int:order_id>/review/", checkout.ReviewStep.as_view(), name="checkout_review"),
    path("checkout/<int:order_id>/buy/", checkout.BuyStep.as_view(), name="checkout_buy"),
    path("checkout/<int:order_id>/confirm/", checkout.ConfirmPaymentStep.as_view(), name="checkout_confirm"),
    path("checkout/<int:order_id>/done/", checkout.DoneStep.as_view(), name="checkout_done"),
]
