"""Atom feeds (Django's syndication framework): a referential's versions, consultations,
workshop minutes, and all of them together. Only what the public may read appears."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultation.models import Consultation
from referential.models import Referential, ReferentialVersion
from workshops.models import Workshop

LIMIT = 50


@dataclass
class Entry:
    title: str
    link: str
    updated: datetime
    description: str
    guid: str


def version_entry(version: ReferentialVersion) -> Entry:
    return Entry(
        title=_("%(code)s : version %(number)s publiée") % {"code": version.referential.code, "number": version.number},
        link=version.get_absolute_url(),
        updated=version.published_at,
        description=version.change_summary,
        guid=f"version-{version.pk}",
    )


def consultation_entry(consultation: Consultation) -> Entry:
    version = consultation.version
    return Entry(
        title=_("%(code)s %(number)s : concertation du %(start)s au %(end)s")
        % {
            "code": version.referential.code,
            "number": version.number,
            "start": date_format(consultation.opens_at, "SHORT_DATE_FORMAT"),
            "end": date_format(consultation.closes_at, "SHORT_DATE_FORMAT"),
        },
        link=consultation.get_absolute_url(),
        updated=consultation.opens_at,
        description=consultation.title,
        guid=f"consultation-{consultation.pk}",
    )


def synthesis_entry(consultation: Consultation) -> Entry:
    version = consultation.version
    return Entry(
        title=_("%(code)s %(number)s : synthèse de la concertation publiée") % {"code": version.referential.code, "number": version.number},
        link=reverse("consultation:synthesis", kwargs={"pk": consultation.pk}),
        updated=consultation.synthesis_published_at,
        description=consultation.title,
        guid=f"synthesis-{consultation.pk}",
    )


def minutes_entry(workshop: Workshop) -> Entry:
    return Entry(
        title=_("Compte-rendu publié : %(title)s") % {"title": workshop.title},
        link=workshop.get_absolute_url(),
        updated=workshop.published_at,
        description=_("Réunion du %(date)s") % {"date": date_format(workshop.held_on, "DATE_FORMAT")},
        guid=f"workshop-{workshop.pk}",
    )


def _published_versions():
    return ReferentialVersion.objects.filter(
        status__in=ReferentialVersion.FROZEN_STATUSES, published_at__isnull=False
    ).select_related("referential").order_by("-published_at")


def _public_consultations():
    # Feeds are public: only consultations on versions the public may read.
    return (
        Consultation.objects.filter(version__status__in=ReferentialVersion.PUBLIC_STATUSES)
        .select_related("version__referential")
        .order_by("-opens_at")
    )


def _published_minutes():
    return Workshop.objects.published().filter(published_at__isnull=False).order_by("-published_at")


class EntryFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item: Entry):
        return item.title

    def item_link(self, item: Entry):
        return item.link

    def item_description(self, item: Entry):
        return item.description

    def item_pubdate(self, item: Entry):
        return item.updated

    def item_updateddate(self, item: Entry):
        return item.updated

    def item_guid(self, item: Entry):
        return item.guid

    item_guid_is_permalink = False


class VersionsFeed(EntryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Referential, slug=slug)

    def title(self, referential):
        return _("%(code)s : versions publiées") % {"code": referential.code}

    def subtitle(self, referential):
        return referential.title

    def link(self, referential):
        return referential.get_absolute_url()

    def items(self, referential):
        return [version_entry(v) for v in _published_versions().filter(referential=referential)[:LIMIT]]


class ConsultationsFeed(EntryFeed):
    title = gettext_lazy("Concertations publiques des référentiels MSSanté")
    subtitle = gettext_lazy("Ouvertures de concertation et synthèses publiées.")

    def link(self):
        return reverse("consultation:consultation_list")

    def items(self):
        consultations = list(_public_consultations()[:LIMIT])
        entries = [consultation_entry(c) for c in consultations]
        entries += [synthesis_entry(c) for c in consultations if c.synthesis_published_at]
        return sorted(entries, key=lambda entry: entry.updated, reverse=True)[:LIMIT]


class MinutesFeed(EntryFeed):
    title = gettext_lazy("Comptes-rendus des ateliers MSSanté")
    subtitle = gettext_lazy("Les comptes-rendus publiés des ateliers techniques.")

    def link(self):
        return reverse("workshops:workshop_list")

    def items(self):
        return [minutes_entry(w) for w in _published_minutes()[:LIMIT]]


class EverythingFeed(EntryFeed):
    title = gettext_lazy("Référentiels MSSanté : toutes les nouveautés")
    subtitle = gettext_lazy("Versions publiées, concertations, synthèses et comptes-rendus d'ateliers.")

    def link(self):
        return reverse("referential:home")

    def items(self):
        entries = [version_entry(v) for v in _published_versions()[:LIMIT]]
        entries += ConsultationsFeed().items()
        entries += [minutes_entry(w) for w in _published_minutes()[:LIMIT]]
        return sorted(entries, key=lambda entry: entry.updated, reverse=True)[:LIMIT]
