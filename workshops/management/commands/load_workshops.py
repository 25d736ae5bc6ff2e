"""Load workshop minutes carried as fixtures (``fixtures/workshop-*.json``); safe to run on every start."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workshops.services import load_workshop_fixture


class Command(BaseCommand):
    help = "Charge les comptes-rendus d'ateliers fournis (fixtures/workshop-*.json). Un atelier déjà présent est laissé tel quel."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Fichiers JSON à charger (par défaut : fixtures/workshop-*.json).")

    def handle(self, *args, paths, **options):
        files = [Path(p) for p in paths] or sorted((Path(settings.BASE_DIR) / "fixtures").glob("workshop-*.json"))
        if not files:
            raise CommandError("Aucun fichier fixtures/workshop-*.json à charger.")
        for path in files:
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            workshop, created = load_workshop_fixture(path)
            verb = "chargé" if created else "déjà présent, inchangé"
            self.stdout.write(f"{path.name} : atelier #{workshop.number} {verb} ({workshop.rida_items.count()} items RIDA).")
