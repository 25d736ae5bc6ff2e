"""A consultation with organisations, authors and comments, for the register, synthesis and export tests.

Comments are made with the ORM directly (set-up, not the behaviour under test), answers too.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation.models import Answer, Comment, Consultation
from referential.models import ReferentialVersion, Requirement, Section
from tests.factories import RequirementFactory, contributor_user, filled_version

# Personal data that must never reach the public synthesis.
AUTHOR_A = {"username": "jean.dupont", "email": "jean.dupont@messagerie-sante.example", "first_name": "Jean", "last_name": "Dupont"}
AUTHOR_B = {"username": "marie.lenoir", "email": "marie.lenoir@logiciels-medicaux.example", "first_name": "Marie", "last_name": "Lenoir"}
OPERATOR_NAME = "Messagerie Santé Confidentielle SA"
VENDOR_NAME = "Logiciels Médicaux Ouverts"


@dataclass
class World:
    version: ReferentialVersion
    consultation: Consultation
    mss1: Requirement
    mss2: Requirement
    directory: Section
    operator: Organisation
    vendor: Organisation
    author_a: object
    author_b: object

    def comment(self, *, author=None, requirement=None, section=None, body="Un commentaire.", kind=Comment.Kind.REMARK, **fields):
        author = author or self.author_a
        comment = Comment(
            consultation=self.consultation,
            requirement=requirement,
            section=section,
            kind=kind,
            body=body,
            author=author,
            organisation=author.membership.organisation,
            **fields,
        )
        comment.save()
        return comment

    def answer(self, comment, *, decision=Answer.Decision.ACCEPTED, body="Réponse de l'ANS.", by, carried_by=None):
        answer = Answer(comment=comment, decision=decision, body=body, answered_by=by, answered_at=timezone.now(), carried_by=carried_by)
        answer.save()
        return answer


def member(user_fields: dict, organisation: Organisation):
    user = contributor_user(**user_fields)
    # A second world in the same test reuses the people (and their first organisation).
    Membership.objects.get_or_create(user=user, defaults={"organisation": organisation, "email_confirmed_at": timezone.now()})
    return user


def consultation_world(*, closed: bool = True) -> World:
    """Ref version in consultation (chapters 1 Sécurité > 1.1 Transport with MSS 1, 2 Annuaire with MSS 2),
    a consultation closed yesterday (or open for ten more days), an operator that stays anonymous and a
    vendor that agreed to be named, one author in each."""
    version = filled_version(status=ReferentialVersion.Status.CONSULTATION)
    now = timezone.now()
    consultation = Consultation.objects.create(
        version=version,
        title="Concertation de test",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1) if closed else now + timedelta(days=10),
    )
    operator = Organisation.objects.create(name=OPERATOR_NAME, kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED)
    vendor = Organisation.objects.create(
        name=VENDOR_NAME, kind=Organisation.Kind.VENDOR, status=Organisation.Status.APPROVED, agrees_to_be_named=True
    )
    return World(
        version=version,
        consultation=consultation,
        mss1=version.requirements.get(key="MSS 1"),
        mss2=version.requirements.get(key="MSS 2"),
        directory=version.sections.get(title="Annuaire"),
        operator=operator,
        vendor=vendor,
        author_a=member(AUTHOR_A, operator),
        author_b=member(AUTHOR_B, vendor),
    )


def many_comments(world: World, count: int, *, by) -> None:
    """``count`` comments spread over requirements (some answered, some hidden or withdrawn)."""
    extra = [
        world.version.requirements.filter(key=f"MSS {100 + n}").first()
        or RequirementFactory(version=world.version, section=world.directory, key=f"MSS {100 + n}")
        for n in range(3)
    ]
    targets = [world.mss1, world.mss2, *extra]
    for n in range(count):
        author = world.author_a if n % 2 else world.author_b
        status = {5: Comment.Status.HIDDEN, 7: Comment.Status.WITHDRAWN}.get(n % 10, Comment.Status.SUBMITTED)
        comment = world.comment(
            author=author,
            requirement=targets[n % len(targets)] if n % 9 else None,
            body=f"Commentaire {n}",
            status=status,
            hidden_reason="Hors sujet" if status == Comment.Status.HIDDEN else "",
        )
        if n % 3 == 0:
            world.answer(comment, by=by, body=f"Réponse {n}")
