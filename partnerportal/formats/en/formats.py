"""English: Django's formats, with the time as "5:13 PM" instead of "5:13 p.m."."""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
