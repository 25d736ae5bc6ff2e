"""Export one version of a referential as ReqIF 1.2 (``.reqif``, or zipped ``.reqifz``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referential.models import ReferentialVersion
from referential.reqif import build_reqif, build_reqifz, reqif_filename


class Command(BaseCommand):
    help = "Exporte une version d'un référentiel en ReqIF 1.2 (.reqif ou .reqifz)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifiant du référentiel, par exemple ref1-mssante.")
        parser.add_argument("number", help="Numéro de version, par exemple 1.0.")
        parser.add_argument("--format", choices=("reqif", "reqifz"), default="reqif", dest="fmt")
        parser.add_argument("-o", "--output", help="Fichier à écrire (par défaut : <slug>_v<numéro>.<format>).")

    def handle(self, *args, slug, number, fmt, output=None, **options):
        version = ReferentialVersion.objects.select_related("referential").filter(referential__slug=slug, number=number).first()
        if version is None:
            raise CommandError(f"Aucune version {number} pour le référentiel « {slug} ».")
        content = build_reqifz(version) if fmt == "reqifz" else build_reqif(version)
        path = Path(output or reqif_filename(version, fmt))
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"{path} : {version} exportée ({len(content)} octets)."))
