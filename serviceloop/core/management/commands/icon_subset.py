from django.core.management.base import BaseCommand

from serviceloop.core.icon_subset import OUT, build


class Command(BaseCommand):
    help = "Cut the Bootstrap icon font down to the icons the code uses (static/icons/bi-subset.*)."

    def handle(self, *args, **options):
        names, size = build()
        self.stdout.write(f"{len(names)} icons, {size:,} bytes → {OUT}")
