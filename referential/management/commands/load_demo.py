"""Load the demo data: levels, actors, Ref#1 and Ref#2, the role groups and two demo accounts.

Idempotent: what already exists (matched by slug or username) is left untouched, so
running it again after editors changed the data changes nothing.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.errors import DomainError
from core.roles import CONTRIBUTOR_GROUP, EDITOR_GROUP, ensure_role_groups
from referential.document_reader import read_document
from referential.importers import import_actors, import_levels, import_referential

REFERENTIAL_FILES = ("ref1-mssante.json", "ref2-clients.json")

# Demo accounts. Their passwords are public (printed, documented): outside development
# the command draws random ones instead.
DEMO_USERS = (
    {
        "username": "editrice",
        "email": "editrice@ans.example",
        "first_name": "Claire",
        "last_name": "Martin",
        "is_staff": True,
        "group": EDITOR_GROUP,
        "password": "editrice-demo-2022",
        "role": "Éditrice ANS (rédige et publie, accès à /admin/)",
    },
    {
        # Publication waits for an approval by another editor than the one who submitted the version.
        "username": "validateur",
        "email": "validateur@ans.example",
        "first_name": "Inès",
        "last_name": "Robert",
        "is_staff": True,
        "group": EDITOR_GROUP,
        "password": "validateur-demo-2022",
        "role": "Éditeur ANS qui valide les versions avant publication",
    },
    {
        "username": "operateur",
        "email": "operateur@operateur.example",
        "first_name": "Paul",
        "last_name": "Durand",
        "is_staff": False,
        "group": CONTRIBUTOR_GROUP,
        "password": "operateur-demo-2022",
        "role": "Contributeur opérateur (commente les concertations)",
    },
)


class Command(BaseCommand):
    help = "Charge les données de démonstration (niveaux, acteurs, Ref#1, Ref#2, groupes, comptes). Sans effet si elles sont déjà là."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures-dir",
            default=str(Path(settings.BASE_DIR) / "fixtures"),
            help="Dossier des fichiers JSON (par défaut : fixtures/ à la racine du projet).",
        )

    def handle(self, *args, **options):
        directory = Path(options["fixtures_dir"])
        try:
            with transaction.atomic():
                groups = ensure_role_groups()
                accounts = [self._ensure_user(spec, groups) for spec in DEMO_USERS]
                editor = accounts[0][0]
                reports = [
                    import_levels(read_document(directory / "levels.json"), by=editor, source="levels.json"),
                    import_actors(read_document(directory / "actors.json"), by=editor, source="actors.json"),
                ]
                for name in REFERENTIAL_FILES:
                    reports.append(import_referential(read_document(directory / name), by=editor, source=name))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

        for report in reports:
            if report.created:
                self.stdout.write(self.style.SUCCESS(f"{report.source} : importé — {', '.join(report.created)}."))
            if report.skipped:
                self.stdout.write(f"{report.source} : déjà présent, laissé tel quel — {', '.join(report.skipped)}.")

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Comptes de démonstration"))
        for user, password, spec in accounts:
            shown = password if password else "(compte existant : mot de passe changé depuis, non affiché)"
            self.stdout.write(f"  {spec['role']}")
            self.stdout.write(f"    identifiant : {user.get_username()}    mot de passe : {shown}")
        self.stdout.write("Connexion : /compte/connexion/ (éditrice : aussi /admin/)")
        self.stdout.write(
            "Éditeurs : une double authentification est exigée ; à la première connexion, activez une "
            "application d'authentification (TOTP) sur la page où le site vous envoie."
        )

    def _ensure_user(self, spec, groups):
        """Create the account if missing; an existing one keeps its password and flags."""
        User = get_user_model()
        user = User.objects.filter(username=spec["username"]).first()
        if user is not None:
            # Show the demo password again only while it still opens the account.
            password = spec["password"] if user.check_password(spec["password"]) else None
        else:
            password = secrets.token_urlsafe(12) if getattr(settings, "PRODUCTION", False) else spec["password"]
            user = User(
                username=spec["username"],
                email=spec["email"],
                first_name=spec["first_name"],
                last_name=spec["last_name"],
                is_staff=spec["is_staff"],
            )
            user.set_password(password)
            user.save()
        user.groups.add(groups[spec["group"]])
        return user, password, spec
