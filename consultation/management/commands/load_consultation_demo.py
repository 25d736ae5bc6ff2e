"""Put the demo draft Ref#1 1.1 to public consultation, with organisations and a few comments.

Run after ``load_demo`` and ``load_workshops``. Idempotent: organisations and memberships are matched
by name and username; the consultation and its comments are created only if version 1.1 has none yet,
so running it again (or after people commented) changes nothing. Everything goes through the services.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import services
from consultation.models import Answer, Comment, Consultation
from core.errors import DomainError
from core.roles import CONTRIBUTOR_GROUP, EDITOR_GROUP, ensure_role_groups
from referential.models import ReferentialVersion

SLUG, NUMBER = "ref1-mssante", "1.1"
DAYS_OPEN = 14

ORGANISATIONS = {
    "operator": {"name": "Messagerie Santé Services", "kind": Organisation.Kind.OPERATOR, "agrees_to_be_named": False},
    "vendor": {"name": "LogiSanté Éditions", "kind": Organisation.Kind.VENDOR, "agrees_to_be_named": True},
    "proxy": {"name": "ProxyMed", "kind": Organisation.Kind.PROXY_VENDOR, "agrees_to_be_named": False},
}

# The demo contributor of load_demo belongs to the operator; the two others only sign comments (they
# cannot log in: no usable password).
MEMBERS = {
    "operateur": "operator",
    "editeur-lps": "vendor",
    "editeur-proxy": "proxy",
}

# (author, target: requirement key, chapter title or None for the whole version, kind, body, proposed wording)
COMMENTS = [
    (
        "operateur", "MSS 17", Comment.Kind.QUESTION,
        "Une BAL dépubliée de l'annuaire à la demande de son titulaire est-elle bien comptée comme "
        "« ouverte » pour les indicateurs mensuels (MSS 42) ? Nos tableaux de bord la classent aujourd'hui "
        "parmi les BAL fermées.",
        "",
    ),
    (
        "operateur", "MSS 35", Comment.Kind.PROPOSAL,
        "L'introduction d'IMAP nous oblige à conserver les messages sur le serveur, ce que notre architecture "
        "ne prévoyait pas. Trente jours pour toutes les BAL représentent un coût de stockage significatif que "
        "le financement Ségur ne couvre pas. Nous proposons quinze jours, durée suffisante pour qu'un logiciel "
        "relève ses messages.",
        "L'opérateur **DOIT** conserver sur le serveur IMAP les messages reçus pendant au moins quinze jours, "
        "pour laisser au logiciel le temps de les relever.\n\nAu-delà, il **PEUT** supprimer les messages déjà "
        "relevés, selon les règles annoncées dans ses conditions générales d'utilisation. La BAL **NE DOIT PAS** "
        "servir d'espace d'archivage : il revient au logiciel de supprimer les messages qu'il a traités.",
    ),
    (
        "editeur-lps", "MSS 19", Comment.Kind.QUESTION,
        "Le processus d'information de l'utilisateur devrait être cadré dans l'exigence : un message dans le "
        "logiciel du professionnel suffit-il, ou faut-il un courriel hors MSSanté ? Et sous quel délai après "
        "la dépublication ?",
        "",
    ),
    (
        "editeur-lps", "MSS 32", Comment.Kind.QUESTION,
        "Pro Santé Connect n'utilise pas aujourd'hui les scopes dans le jeton d'accès, ce ne sera pas toujours "
        "le cas. Disposera-t-on toujours, dans le jeton, des informations qui permettent de vérifier que son "
        "porteur est bien le titulaire de la BAL ?",
        "",
    ),
    (
        "editeur-proxy", "Exigences applicables aux éditeurs de proxy", Comment.Kind.REMARK,
        "Pour les opérateurs qui utilisent un proxy, le délai de mise en conformité est le même que pour "
        "l'éditeur du proxy : l'éditeur doit donc être conforme bien avant la fin du délai pour laisser à ses "
        "clients le temps de l'être à leur tour. Un délai décalé pour les clients serait plus réaliste.",
        "",
    ),
    (
        "operateur", None, Comment.Kind.REMARK,
        "Les exigences de performance (MSS 51 et MSS 52) sont bienvenues. Pourrait-on préciser la méthode de "
        "mesure de la disponibilité (sondes de l'ANS ou mesures de l'opérateur) avant la publication ?",
        "",
    ),
]

# (requirement key of the answered comment, decision, answer)
ANSWERS = [
    (
        "MSS 17", Answer.Decision.NOTED,
        "Une BAL dépubliée de l'annuaire est entièrement fonctionnelle, excepté qu'elle n'est pas affichée "
        "dans l'annuaire sur la fiche du professionnel ou de la structure : elle est comptée comme ouverte.",
    ),
    ("MSS 32", Answer.Decision.FORWARDED, "Question soumise aux équipes Pro Santé Connect."),
]


class Command(BaseCommand):
    help = (
        "Soumet Ref#1 1.1 à concertation (ouverte pour 14 jours) avec des organisations et quelques "
        "commentaires de démonstration. À lancer après load_demo et load_workshops ; sans effet la seconde fois."
    )

    def handle(self, *args, **options):
        version = (
            ReferentialVersion.objects.select_related("referential")
            .filter(referential__slug=SLUG, number=NUMBER)
            .first()
        )
        if version is None:
            raise CommandError(f"{SLUG} {NUMBER} est introuvable : lancez d'abord « manage.py load_demo ».")
        User = get_user_model()
        editor = User.objects.filter(groups__name=EDITOR_GROUP).order_by("pk").first()
        if editor is None:
            raise CommandError("Aucun compte éditeur : lancez d'abord « manage.py load_demo ».")
        try:
            with transaction.atomic():
                organisations = {key: self._organisation(spec, editor) for key, spec in ORGANISATIONS.items()}
                members = {
                    username: self._member(username, organisations[key]) for username, key in MEMBERS.items()
                }
                consultation = Consultation.objects.filter(version=version).order_by("-opens_at").first()
                if consultation is not None:
                    self.stdout.write(f"{version} : concertation déjà présente, laissée telle quelle ({consultation.get_absolute_url()}).")
                    return
                if version.status != ReferentialVersion.Status.DRAFT:
                    self.stdout.write(f"{version} n'est plus un brouillon : pas de concertation de démonstration.")
                    return
                consultation = self._open(version, editor)
                self._comment(consultation, members, editor)
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{version} en concertation jusqu'au {timezone.localtime(consultation.closes_at):%d/%m/%Y %H:%M} "
                f"(heure de Paris) : {consultation.get_absolute_url()}"
            )
        )
        self.stdout.write("  Le contributeur « operateur » appartient à l'opérateur « Messagerie Santé Services ».")

    def _organisation(self, spec, editor) -> Organisation:
        organisation = Organisation.objects.filter(name=spec["name"]).first()
        if organisation is None:
            organisation = Organisation(status=Organisation.Status.APPROVED, **spec)
            organisation._change_reason = "Organisation de démonstration"
            organisation._history_user = editor
            organisation.save()
        return organisation

    def _member(self, username, organisation):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email="")
            user.set_unusable_password()
            user.save()
        user.groups.add(ensure_role_groups()[CONTRIBUTOR_GROUP])
        if not Membership.objects.filter(user=user).exists():
            membership = Membership(status=Membership.Status.APPROVED, user=user, organisation=organisation, email_confirmed_at=timezone.now())
            membership._change_reason = "Appartenance de démonstration"
            membership.save()
        return user

    def _open(self, version, editor) -> Consultation:
        now = timezone.now()
        closing_day = timezone.localtime(now + timedelta(days=DAYS_OPEN))
        return services.open_consultation(
            version=version,
            opens_at=now - timedelta(minutes=1),
            closes_at=closing_day.replace(hour=18, minute=0, second=0, microsecond=0),
            by=editor,
            title="",
        )

    def _comment(self, consultation, members, editor) -> None:
        version = consultation.version
        comments = {}
        for username, target, kind, body, wording in COMMENTS:
            requirement = section = None
            if target and target.startswith("MSS "):
                requirement = version.requirements.get(key=target)
            elif target:
                section = version.sections.get(title=target)
            comments[target] = services.submit_comment(
                consultation=consultation,
                author=members[username],
                kind=kind,
                body=body,
                proposed_wording=wording,
                requirement=requirement,
                section=section,
            )
        for key, decision, body in ANSWERS:
            services.answer_comment(comment=comments[key], by=editor, decision=decision, body=body)
