"""Files on S3-compatible object storage (``DJANGO_STORAGE=s3``, django-storages): a real S3 server
on loopback (moto in server mode, started here) stores a published version's PDF and an
assessment's evidence, and the site serves them back byte for byte — nothing reads a local path."""

import hashlib
import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from referential import services
from tests.factories import ActorFactory, LevelFactory, RequirementFactory, SectionFactory, VersionFactory

pytestmark = pytest.mark.django_db

BUCKET = "referentiels-test"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "eu-west-3"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["region_name"]}
    )
    yield endpoint
    server.stop()


@pytest.fixture
def on_s3(settings, s3_endpoint):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": CREDENTIALS["region_name"],
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    return boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)


def stored_keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_a_published_pdf_lives_on_object_storage_and_downloads_intact(on_s3, editor, anonymous):
    level = LevelFactory(slug="majeure", label="Majeure", rank=2)
    version = VersionFactory(number="1.0")
    section = SectionFactory(version=version, title="Sécurité", position=1)
    RequirementFactory(version=version, section=section, key="MSS 1", title="Chiffrement", level=level, actors=[ActorFactory()])

    published = services.publish_version(version=version, by=editor)

    assert published.pdf.name in stored_keys(on_s3)
    stored = on_s3.get_object(Bucket=BUCKET, Key=published.pdf.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == published.pdf_sha256
    response = anonymous.get(f"/referentiels/{published.referential.slug}/{published.number}.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored


def test_evidence_files_go_to_object_storage_and_back_through_the_permission_check(on_s3, client_for, contributor_a, contributor_b):
    from tests.assessment.conftest import build_version
    from assessment import services as assessment_services
    from tests.consultation.conftest import approved_organisation, join

    levels = {
        slug: LevelFactory(slug=slug, label=slug.capitalize(), rank=rank, remediation_delay_days=90)
        for rank, slug in enumerate(("bloquante", "majeure", "mineure"), start=1)
    }
    operator, proxy = ActorFactory(slug="operateur", label="Opérateur"), ActorFactory(slug="editeur-proxy", label="Proxy")
    version = build_version(levels, operator, proxy)
    join(contributor_a, approved_organisation("Opérateur A"))
    join(contributor_b, approved_organisation("Opérateur B"))
    assessment = assessment_services.start_assessment(version=version, actor=operator, by=contributor_a)
    answer = assessment.answers.get(requirement__key="MSS 1")
    evidence = assessment_services.add_evidence(
        answer=answer, by=contributor_a, effective_date=version.published_at.date(), label="Rapport TLS",
        upload=SimpleUploadedFile("rapport.txt", b"TLS 1.3 partout"),
    )
    assert evidence.file.name in stored_keys(on_s3)
    url = f"/autoevaluations/preuves/{evidence.pk}/fichier/"
    response = client_for(contributor_a).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"TLS 1.3 partout"
    assert client_for(contributor_b).get(url).status_code == 404
