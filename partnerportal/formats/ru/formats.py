"""Russian: Django's formats without the trailing "г." ("31 октября 2027")."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, G:i"
YEAR_MONTH_FORMAT = "F Y"
