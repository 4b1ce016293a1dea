# The Action Pack benefit models moved to offers (offers/0002 creates them there).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('membership', '0002_users_benefits_activity'),
    ]

    operations = [
        migrations.DeleteModel(name='BenefitActivation'),
        migrations.DeleteModel(name='CreditGrant'),
        migrations.DeleteModel(name='LicenseKey'),
        migrations.DeleteModel(name='SeatAssignment'),
    ]
