"""Two operators' self-assessments of Ref#1 1.0, submitted: one conformant, one not, with an overdue gap.

Run after ``load_demo`` and ``load_consultation_demo`` (which creates the operator « Messagerie Santé
Services » and its member ``operateur``). Idempotent: an organisation that already has an assessment
of Ref#1 1.0 is left as it is. Everything goes through the services. When a later version of Ref#1 is
published, starting its assessment carries these answers forward (« à reconfirmer »).
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation
from assessment import services
from assessment.models import Assessment
from core.errors import DomainError
from core.roles import CONTRIBUTOR_GROUP
from referential.models import Actor, ReferentialVersion

SLUG, NUMBER, ROLE = "ref1-mssante", "1.0", "operateur"
SECOND = {"name": "Hôpitaux Connectés du Grand Est", "username": "operateur-est", "first_name": "Karim", "last_name": "Benali"}

# The second operator's gaps: (key, result, justification, owner, found on, planned date).
GAPS = [
    ("MSS 24", "non_conforme", "Le contrôle du certificat IGC Santé du serveur distant n'est pas encore activé sur la passerelle SMTP sortante.",
     "Équipe messagerie", date(2026, 9, 1), date(2026, 12, 15)),
    ("MSS 17", "partiel", "Les BAL dépubliées sont encore comptées comme fermées dans nos indicateurs mensuels.",
     "Pôle annuaire", date(2025, 1, 10), date(2025, 6, 30)),
    ("MSS 43", "partiel", "Le délai d'information des utilisateurs n'est pas encore tenu pour les BAL organisationnelles.",
     "Support", date(2026, 10, 1), date(2027, 3, 31)),
]


class Command(BaseCommand):
    help = "Charge deux autoévaluations soumises de Ref#1 1.0 (une conforme, une non conforme avec un écart en retard). Sans effet la seconde fois."

    def handle(self, *args, **options):
        version = ReferentialVersion.objects.filter(referential__slug=SLUG, number=NUMBER).first()
        actor = Actor.objects.filter(slug=ROLE).first()
        first = Membership.objects.select_related("user", "organisation").filter(user__username="operateur").first()
        if version is None or actor is None or first is None:
            raise CommandError("Ref#1 1.0 ou le contributeur « operateur » est introuvable : lancez d'abord load_demo et load_consultation_demo.")
        if version.status != ReferentialVersion.Status.PUBLISHED:
            self.stdout.write(f"{version} n'est plus la version publiée : pas d'autoévaluation de démonstration.")
            return
        try:
            with transaction.atomic():
                second = self._second_member()
                for user, conformant in ((first.user, True), (second, False)):
                    organisation = Membership.objects.get(user=user).organisation
                    existing = Assessment.objects.filter(organisation=organisation, version=version, actor=actor).first()
                    if existing is not None:
                        self.stdout.write(f"{organisation} : autoévaluation déjà présente ({existing.get_absolute_url()}).")
                        continue
                    assessment = services.start_assessment(version=version, actor=actor, by=user)
                    self._fill(assessment, user, gaps=[] if conformant else GAPS)
                    submission = services.submit_assessment(assessment=assessment, by=user)
                    self.stdout.write(self.style.SUCCESS(
                        f"{organisation} : autoévaluation de {version} soumise, verdict {submission.get_verdict_display().lower()} ({assessment.get_absolute_url()})."
                    ))
        except DomainError as error:
            raise CommandError(f"{error} {' '.join(map(str, error.problems))}") from error

    def _second_member(self):
        organisation = Organisation.objects.filter(name=SECOND["name"]).first()
        if organisation is None:
            organisation = Organisation(name=SECOND["name"], kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED)
            organisation._change_reason = "Organisation de démonstration"
            organisation.save()
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=SECOND["username"],
            defaults={"first_name": SECOND["first_name"], "last_name": SECOND["last_name"], "email": "karim.benali@example.org"},
        )
        if created:
            user.set_unusable_password()  # signs the demo assessment; nobody logs in with it
            user.save()
            user.groups.add(Group.objects.get_or_create(name=CONTRIBUTOR_GROUP)[0])
            Membership.objects.create(status=Membership.Status.APPROVED, user=user, organisation=organisation, email_confirmed_at=timezone.now())
        return user

    def _fill(self, assessment, user, *, gaps):
        by_key = {gap[0]: gap for gap in gaps}
        for answer in assessment.answers.select_related("requirement__level"):
            requirement = answer.requirement
            gap = by_key.get(requirement.key)
            if gap is not None:
                _key, result, justification, owner, found_on, planned = gap
                services.update_answer(answer=answer, by=user, result=result, justification=justification, owner=owner,
                                       planned_date=planned, today=found_on)
                continue
            services.update_answer(answer=answer, by=user, result="conforme",
                                   justification=f"Vérifié lors de la recette interne ({requirement.verification_method or 'revue documentaire'}).",
                                   owner="Responsable conformité")
            if requirement.level is not None and requirement.level.slug == "bloquante":
                services.add_evidence(answer=answer, by=user, effective_date=date(2026, 3, 1),
                                      label=f"Procès-verbal de recette — {requirement.key}",
                                      link=f"https://conformite.example.org/recette/{requirement.key.replace(' ', '-').lower()}")
