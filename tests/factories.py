import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models

from core.roles import CONTRIBUTOR_GROUP, EDITOR_GROUP
from referential.models import (
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
)


# The secret of the TOTP app every editor made here has: tests compute its codes from it.
EDITOR_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = EDITOR_TOTP_SECRET) -> str:
    """The code an authenticator app with ``secret`` shows now, computed as allauth checks it."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())  # now, give or take MFA_TOTP_TOLERANCE
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def totp_codes(secret: str = EDITOR_TOTP_SECRET) -> list[str]:
    """The codes allauth accepts now (tests set ``MFA_TOTP_TOLERANCE = 1``), the current period's first:
    a sign-in that finds the current one used already (allauth refuses a code twice) tries the next."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    middle = len(counters) // 2
    ordered = [counters[middle], *counters[middle + 1 :], *reversed(counters[:middle])]
    return [format_hotp_value(hotp_value(secret, counter)) for counter in ordered]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("motdepasse-solide-42")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Editors (and superusers and staff, who need one for the admin) come with a TOTP app whose
        secret is ``EDITOR_TOTP_SECRET``, as the site requires of them (accounts/mfa.py);
        ``second_factor=False`` makes one without."""
        if not create or extracted is False:
            return
        if extracted or self.is_superuser or self.is_staff or self.groups.filter(name=EDITOR_GROUP).exists():
            from allauth.mfa.totp.internal.auth import TOTP

            TOTP.activate(self, EDITOR_TOTP_SECRET)


def make_staff(user) -> None:
    """Make an existing account staff, with the TOTP app staff need for the admin (accounts/mfa.py)."""
    from allauth.mfa.totp.internal.auth import TOTP

    user.is_staff = True
    user.save()
    if not user.authenticator_set.exists():
        TOTP.activate(user, EDITOR_TOTP_SECRET)


def editor_user(**kwargs):
    return UserFactory(role=EDITOR_GROUP, **kwargs)


def contributor_user(**kwargs):
    return UserFactory(role=CONTRIBUTOR_GROUP, **kwargs)


class ReferentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referential

    slug = factory.Sequence(lambda n: f"ref{n}-test")
    code = factory.Sequence(lambda n: f"Ref#{n + 10}")
    title = factory.Sequence(lambda n: f"Référentiel de test {n}")
    audience = "Opérateurs MSSanté"


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonConformityLevel
        django_get_or_create = ("slug",)

    slug = "majeure"
    label = factory.LazyAttribute(lambda o: o.slug.capitalize())
    definition = "Doit être corrigée avant une échéance datée."
    rank = factory.Sequence(lambda n: n + 1)
    remediation_delay_days = 180


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"acteur-{n}")
    label = factory.Sequence(lambda n: f"Acteur {n}")


class VersionFactory(factory.django.DjangoModelFactory):
    """Builds a version in any status directly: tests of the services go through the services."""

    class Meta:
        model = ReferentialVersion

    referential = factory.SubFactory(ReferentialFactory)
    number = factory.Sequence(lambda n: f"1.{n}")
    status = ReferentialVersion.Status.DRAFT
    change_summary = "Version de test"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    version = factory.SubFactory(VersionFactory)
    title = factory.Sequence(lambda n: f"Chapitre {n}")
    position = factory.Sequence(lambda n: n)


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement
        skip_postgeneration_save = True

    version = factory.SubFactory(VersionFactory)
    section = factory.LazyAttribute(lambda o: SectionFactory(version=o.version))
    key = factory.Sequence(lambda n: f"MSS {n + 1}")
    title = factory.Sequence(lambda n: f"Exigence {n}")
    statement = "L'opérateur **DOIT** chiffrer les échanges en TLS 1.2 ou supérieur."
    level = factory.SubFactory(LevelFactory)
    position = factory.Sequence(lambda n: n * 10)

    @factory.post_generation
    def actors(self, create, extracted, **kwargs):
        if create and extracted:
            self.actors.set(extracted)


class ThresholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConformityThreshold

    version = factory.SubFactory(VersionFactory)
    level = factory.SubFactory(LevelFactory)
    max_findings = 0


def freeze(version, status=ReferentialVersion.Status.PUBLISHED):
    """Move a version to a frozen status directly, bypassing the publication checks and the frozen
    row's own guard (test set-up only: the guard refuses taking a version out of consultation)."""
    models.QuerySet.update(ReferentialVersion.objects.filter(pk=version.pk), status=status)
    # An update sends no post_save: what the row's save would have done for the pages and version rows
    # each process keeps (referential.page_cache), done here.
    from referential.page_cache import bump_pages_generation

    bump_pages_generation()
    version.refresh_from_db()
    return version


def staff_editor_user(**kwargs):
    """An editor who can use the admin: staff, and the editor group holds the referential app's permissions."""
    from django.contrib.auth.models import Permission

    user = editor_user(is_staff=True, **kwargs)
    group = Group.objects.get(name=EDITOR_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="referential"))
    return user


def filled_version(**kwargs):
    """A version ready to publish: chapters (one nested), requirements with level and actors, a threshold."""
    version = VersionFactory(**kwargs)
    blocking, major = LevelFactory(slug="bloquante"), LevelFactory(slug="majeure")
    operator, proxy = ActorFactory(slug="operateur"), ActorFactory(slug="operateur-proxy")
    security = SectionFactory(version=version, title="Sécurité", position=1)
    transport = SectionFactory(version=version, parent=security, title="Transport", position=1)
    directory = SectionFactory(version=version, title="Annuaire", position=2)
    RequirementFactory(version=version, section=transport, key="MSS 1", level=blocking, actors=[operator, proxy])
    RequirementFactory(version=version, section=directory, key="MSS 2", level=major, actors=[operator])
    ThresholdFactory(version=version, level=blocking, max_findings=0)
    ThresholdFactory(version=version, level=major, max_findings=3)
    return version
