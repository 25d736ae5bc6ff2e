"""Import a ReqIF (.reqif, .reqifz) or spreadsheet (.xlsx, .csv) file into a draft: all or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from referential import services
from core.errors import DomainError
from referential.import_files import proposed_mapping, read_import_file
from referential.interchange import FIELDS, clean_mapping, plan_import
from referential.models import ReferentialVersion


class Command(BaseCommand):
    help = (
        "Importe un fichier ReqIF ou un tableau dans un brouillon : le brouillon prend le contenu du fichier "
        "(exigences appariées par identifiant puis par clé). Rien n'est écrit au moindre problème."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifiant du référentiel, par exemple ref1-mssante.")
        parser.add_argument("number", help="Numéro du brouillon, par exemple 1.1.")
        parser.add_argument("path", help="Fichier .reqif, .reqifz, .xlsx ou .csv.")
        parser.add_argument("--user", required=True, help="Identifiant de l'éditeur au nom de qui l'import est fait.")
        parser.add_argument(
            "--map", action="append", default=[], metavar="CHAMP=ATTRIBUT",
            help="Associe un de nos champs (" + ", ".join(FIELDS) + ") à un attribut du fichier ; répétable.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Affiche l'aperçu sans rien écrire.")

    def handle(self, *args, slug, number, path, user, map, dry_run, **options):
        version = ReferentialVersion.objects.select_related("referential").filter(referential__slug=slug, number=number).first()
        if version is None:
            raise CommandError(f"Aucune version {number} pour le référentiel « {slug} ».")
        by = get_user_model().objects.filter(username=user).first()
        if by is None:
            raise CommandError(f"Aucun utilisateur « {user} ».")
        path = Path(path)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            with path.open("rb") as stream:
                document = read_import_file(File(stream, name=path.name))
            mapping = proposed_mapping(document)
            for item in map:
                field, _sep, attribute = item.partition("=")
                if field not in FIELDS:
                    raise CommandError(f"Champ inconnu « {field} » (champs : {', '.join(FIELDS)}).")
                mapping[field] = attribute
            mapping = clean_mapping(mapping, [a["name"] for a in document["attributes"]])
            if dry_run:
                plan = plan_import(version, document, mapping)
            else:
                plan = services.import_into_draft(version=version, document=document, mapping=mapping, by=by)
        except DomainError as error:
            raise CommandError("\n".join([str(error.message), *(f"- {p}" for p in error.problems)])) from error
        for field, attribute in mapping.items():
            self.stdout.write(f"  {field} ← {attribute or '—'}")
        for problem in plan.problems:
            self.stdout.write(self.style.ERROR(f"- {problem}"))
        verb = "seraient" if dry_run else "ont été"
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name} → {version} : {len(plan.added)} exigence(s) ajoutée(s), {len(plan.changed)} modifiée(s), "
                f"{len(plan.removed)} supprimée(s), {len(plan.unchanged)} inchangée(s) ({verb} appliquées)."
            )
        )
