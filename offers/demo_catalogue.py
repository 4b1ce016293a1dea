"""The demo catalogue of product.md: the seed's Action Pack offer, its benefits and terms."""

import datetime

from django.db import transaction

from .models import BenefitKind, Offer, OfferBenefit, OfferPrice, OfferTerms
from .selectors import ACTION_PACK_CODE

ACTION_PACK = {
    "name": "Microsoft Action Pack subscription",
    "name_ru": "Подписка на Microsoft Action Pack",
    "description": (
        "Action Pack is an affordable yearly subscription to services, software, and support for businesses "
        "that want to grow their Microsoft practice in the cloud-first, mobile-first world."
    ),
    "description_ru": (
        "Action Pack — это доступная ежегодная подписка на службы, программное обеспечение и поддержку для "
        "организаций, которые хотят увеличить свою практику Microsoft в мире с преобладанием мобильных и "
        "облачных технологий."
    ),
    "price_amount": 47500,
    "currency": "USD",
    "term_months": 12,
}
# R19: the price in each currency the demo sells in (minor units), in force since long before the demo.
PRICES = [("USD", 47500), ("EUR", 44000), ("RUB", 4200000)]
PRICES_SINCE = datetime.date(2000, 1, 1)

# (code, kind, name, name_ru, quantity, unit, unit_ru); offers.benefit_text writes each as the seed says it.
BENEFITS = [
    (
        "developer-tools",
        BenefitKind.TOOLS,
        "World-class developer tools to create applications and solutions for your customers on iOS, Android, Linux, and Windows",
        "Средства разработчика мирового класса для создания приложений и решений для клиентов на iOS, Android, Linux и Windows",
        1,
        "",
        "",
    ),
    (
        "windows-10-enterprise",
        BenefitKind.LICENSE,
        "Windows 10 Enterprise (upgrade) licenses",
        "Лицензии (на обновление) Windows 10 Корпоративная",
        10,
        "licenses",
        "лицензий",
    ),
    (
        "visual-studio-professional",
        BenefitKind.LICENSE,
        "Visual Studio Professional licenses",
        "Лицензии Visual Studio Professional",
        3,
        "licenses",
        "лицензии",
    ),
    (
        "vsts-account",
        BenefitKind.ACCOUNT,
        "No-cost Visual Studio Team Services account",
        "Бесплатная учетная запись Visual Studio Team Services",
        1,
        "account",
        "учетная запись",
    ),
    ("office-365-e3", BenefitKind.SEAT, "Office 365 (E3) seats", "Места Office 365 (E3)", 10, "seats", "мест"),
    (
        "enterprise-mobility-suite",
        BenefitKind.SEAT,
        "Enterprise Mobility Suite seats",
        "Места Enterprise Mobility Suite",
        5,
        "seats",
        "мест",
    ),
    (
        "dynamics-crm-online-professional",
        BenefitKind.SEAT,
        "Microsoft Dynamics CRM Online Professional seats",
        "Места Microsoft Dynamics CRM Online Professional",
        5,
        "seats",
        "мест",
    ),
    (
        "azure-credits",
        BenefitKind.CREDIT,
        "Microsoft Azure credits",
        "Кредиты Microsoft Azure",
        10000,  # a credit's quantity is money: minor units of the currency its unit names
        "USD",
        "",
    ),
]

TERMS_BODY = (
    "Terms and Conditions for internal use rights granted by the Microsoft Partner Network.\n\n"
    "1. The software and online services in this offer are for your organisation's internal use only.\n"
    "2. The subscription lasts 12 months and renews automatically each year on the purchase date unless you "
    "turn off automatic renewal.\n"
    "3. Your card is charged when you buy and on each renewal.\n"
    "4. To cancel, contact Partner Center Support."
)
TERMS_BODY_RU = (
    "Условия для прав на внутреннее использование, предоставляемых Microsoft Partner Network.\n\n"
    "1. Программное обеспечение и веб-службы этого предложения предназначены только для внутреннего "
    "использования в вашей организации.\n"
    "2. Подписка действует 12 месяцев и продлевается автоматически каждый год в день покупки, если вы не "
    "отключите автоматическое продление.\n"
    "3. Оплата списывается с карты при покупке и при каждом продлении.\n"
    "4. Чтобы отменить подписку, обратитесь в службу поддержки Центра партнеров."
)


@transaction.atomic
def load_demo_catalogue() -> Offer:
    """Create or update the Action Pack offer; safe to run again."""
    offer, _ = Offer.objects.update_or_create(code=ACTION_PACK_CODE, defaults=ACTION_PACK)
    for currency, amount in PRICES:
        # Only when the currency has no price yet: staff's later prices are theirs, and the past stays.
        if not OfferPrice.objects.filter(offer=offer, currency=currency).exists():
            OfferPrice.objects.create(offer=offer, currency=currency, amount=amount, effective_from=PRICES_SINCE)
    for position, (code, kind, name, name_ru, quantity, unit, unit_ru) in enumerate(BENEFITS):
        OfferBenefit.objects.update_or_create(
            offer=offer,
            code=code,
            defaults={
                "kind": kind,
                "name": name,
                "name_ru": name_ru,
                "quantity": quantity,
                "unit": unit,
                "unit_ru": unit_ru,
                "position": position,
            },
        )
    OfferTerms.objects.get_or_create(
        offer=offer,
        version=1,
        defaults={
            "title": "Terms and Conditions for internal use rights",
            "title_ru": "Условия для прав на внутреннее использование",
            "body": TERMS_BODY,
            "body_ru": TERMS_BODY_RU,
        },
    )
    return offer
