"""Date and time formats per language (settings.FORMAT_MODULE_PATH), over Django's own.

No format ends with a full stop: a date or time is often the last word of a sentence ("Your term
ends on {{ date }}."), and Django's Russian "j E Y г." and English "P" ("5:13 p.m.") would then
read "31 октября 2027 г.." and "5:13 p.m..". Fixed here once rather than in every sentence.
"""
