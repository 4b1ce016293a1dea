"""Test data, one module per app; the only place that knows how test rows are made.

Where a rule of product.md applies (roles, enrolment, a saved card, a subscription, a service
request) the factories go through the project's services, so test data obeys the rules the
screens obey. Plain rows with no rule of their own (a card summary, a recorded payment for
reconciliation) are DjangoModelFactory rows.
"""
