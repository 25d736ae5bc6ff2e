"""Following a referential: signed-in users at once, visitors by double opt-in; one-click
unsubscribe in every mail; the « Mes notifications » page."""

import re

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import ALL_TOPICS, Subscription, Topic
from tests.factories import ReferentialFactory, UserFactory

from .conftest import text_of

pytestmark = pytest.mark.django_db


def follow_url(referential):
    return reverse("notifications:follow", kwargs={"slug": referential.slug})


def link_in(message, pattern):
    return re.search(rf"http://[^\s]*{pattern}[^\s]*", text_of(message)).group(0)


def test_a_signed_in_user_follows_a_referential_from_its_page(client_for, contributor_a):
    referential = ReferentialFactory()
    page = client_for(contributor_a).get(referential.get_absolute_url())
    assert follow_url(referential) in page.content.decode()

    response = client_for(contributor_a).post(
        follow_url(referential), {"topics": [Topic.VERSION_PUBLISHED, Topic.CONSULTATION_OPENED], "language": "en"}
    )

    assert response.status_code == 302
    subscription = Subscription.objects.get(referential=referential, user=contributor_a)
    assert subscription.topics == [Topic.VERSION_PUBLISHED, Topic.CONSULTATION_OPENED]
    assert subscription.language == "en" and subscription.is_active


def test_following_with_no_topic_is_refused_with_a_field_error(client_for, contributor_a):
    referential = ReferentialFactory()
    response = client_for(contributor_a).post(follow_url(referential), {"language": "fr"})
    assert response.status_code == 400
    assert "Choisissez au moins un sujet" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_visitor_confirms_by_the_link_mailed_to_them_before_anything_else_is_sent(anonymous, smtp, django_capture_on_commit_callbacks):
    referential = ReferentialFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(follow_url(referential), {"email": "Lecteur@Example.org", "topics": ALL_TOPICS, "language": "fr"})
    assert response.status_code == 302
    subscription = Subscription.objects.get(email="lecteur@example.org")
    assert not subscription.is_active

    [message] = smtp.to("lecteur@example.org")
    assert referential.code in message["Subject"]
    assert message["List-Unsubscribe"].strip().startswith("<http") and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = link_in(message, "/notifications/confirmer/")

    path = confirm.removeprefix("http://127.0.0.1:8000")
    assert anonymous.get(path).status_code == 200
    subscription.refresh_from_db()
    assert not subscription.is_active, "opening the link (a mail scanner does) confirms nothing"
    anonymous.post(path)
    subscription.refresh_from_db()
    assert subscription.is_active


def test_a_tampered_confirmation_link_is_refused_with_a_page_not_an_error(anonymous):
    response = anonymous.get(reverse("notifications:confirm", kwargs={"token": "abc:def"}))
    assert response.status_code == 400
    assert "Lien invalide" in response.content.decode()


def test_typing_an_address_again_sends_at_most_one_link_per_quarter_hour(anonymous, smtp, django_capture_on_commit_callbacks):
    referential = ReferentialFactory()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            anonymous.post(follow_url(referential), {"email": "cible@example.org", "topics": ALL_TOPICS, "language": "fr"})
    assert len(smtp.to("cible@example.org")) == 1


def test_a_stranger_cannot_change_the_choices_of_a_confirmed_subscriber(anonymous, smtp, django_capture_on_commit_callbacks):
    referential = ReferentialFactory()
    subscription = services.subscribe_email(referential=referential, email="abonne@example.org", topics=ALL_TOPICS)
    services.confirm_subscription(token=services.confirmation_token(subscription.pk))
    Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        anonymous.post(follow_url(referential), {"email": "abonne@example.org", "topics": [Topic.MINUTES_PUBLISHED], "language": "en"})

    subscription.refresh_from_db()
    assert subscription.topics == ALL_TOPICS and subscription.language == "fr"
    [message] = smtp.to("abonne@example.org")
    assert "/notifications/abonnement/" in text_of(message), "the owner gets a link to manage it instead"


def test_the_one_click_unsubscribe_post_of_a_mail_client_removes_the_subscription(anonymous, smtp, django_capture_on_commit_callbacks):
    referential = ReferentialFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.subscribe_email(referential=referential, email="lecteur@example.org", topics=ALL_TOPICS)
    [message] = smtp.messages
    url = message["List-Unsubscribe"].strip().strip("<>").removeprefix("http://127.0.0.1:8000")

    assert anonymous.get(url).status_code == 200
    assert Subscription.objects.exists(), "showing the page unsubscribes nobody"
    # RFC 8058: a POST with this body, no cookie, no CSRF token.
    response = anonymous.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    assert not Subscription.objects.exists()
    assert anonymous.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 204, "a second click is harmless"


def test_a_forged_unsubscribe_token_changes_nothing(anonymous):
    subscription = services.subscribe_user(referential=ReferentialFactory(), by=UserFactory(), topics=ALL_TOPICS)
    response = anonymous.post(reverse("notifications:unsubscribe", kwargs={"token": f"{subscription.pk}:forged"}))
    assert response.status_code == 400
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_my_notifications_lists_changes_and_stops_my_subscriptions(client_for, contributor_a):
    first, second = ReferentialFactory(), ReferentialFactory()
    mine = services.subscribe_user(referential=first, by=contributor_a, topics=ALL_TOPICS)
    services.subscribe_user(referential=second, by=contributor_a, topics=ALL_TOPICS)
    client = client_for(contributor_a)

    page = client.get(reverse("notifications:my_notifications")).content.decode()
    assert first.code in page and second.code in page

    client.post(
        reverse("notifications:my_notifications"),
        {"action": "update", "subscription": mine.pk, f"s{mine.pk}-topics": [Topic.SYNTHESIS_PUBLISHED], f"s{mine.pk}-language": "en"},
    )
    mine.refresh_from_db()
    assert mine.topics == [Topic.SYNTHESIS_PUBLISHED] and mine.language == "en"

    client.post(reverse("notifications:my_notifications"), {"action": "delete", "subscription": mine.pk})
    assert list(Subscription.objects.filter(user=contributor_a).values_list("referential", flat=True)) == [second.pk]


def test_nobody_changes_or_stops_another_users_subscription(client_for, contributor_a, contributor_b):
    theirs = services.subscribe_user(referential=ReferentialFactory(), by=contributor_b, topics=ALL_TOPICS)
    client = client_for(contributor_a)
    for action in ("update", "delete"):
        response = client.post(reverse("notifications:my_notifications"), {"action": action, "subscription": theirs.pk})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.topics == ALL_TOPICS


def test_my_notifications_needs_a_signed_in_user(anonymous):
    response = anonymous.get(reverse("notifications:my_notifications"))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_preferences_set_the_language_and_mute_personal_notifications(client_for, contributor_a):
    client_for(contributor_a).post(
        reverse("notifications:my_notifications"), {"action": "preferences", "language": "en", "muted": ["comment_hidden"]}
    )
    preference = contributor_a.notification_preference
    assert preference.language == "en" and preference.muted == ["comment_hidden"]


def test_one_address_cannot_be_mailed_once_per_referential_by_a_stranger(anonymous, smtp, django_capture_on_commit_callbacks):
    # The per-subscription cooldown is per referential: without a limit per address, five
    # referentials meant five confirmation mails to a victim every quarter of an hour.
    referentials = [ReferentialFactory() for _ in range(5)]
    answers = []
    for referential in referentials:
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(anonymous.post(follow_url(referential), {"email": "victime@example.org", "topics": ALL_TOPICS, "language": "fr"}))
    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429]
    assert len(smtp.to("victime@example.org")) == 3
    assert "Réessayez dans" in answers[-1].content.decode() and int(answers[-1]["Retry-After"]) > 0
