"""A small but realistic referential for page tests, browser tests and screenshots.

Ref#1 has a published 1.0 and a 1.1 copied from it with ``start_draft``, then changed the way
editors change drafts (a statement reworded, a key renamed, a requirement moved to another
chapter, one removed, one added) and put in consultation.
"""

from dataclasses import dataclass

from referential import services
from referential.models import ReferentialVersion
from tests.factories import (
    ActorFactory,
    LevelFactory,
    ReferentialFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
    freeze,
)

XDM_STATEMENT = "L'objet du message **DOIT** suivre le motif `XDM/1.0/DDM+<libellé> <NOM> <prénom>` ; sinon XDM/1.0/DDM+<libellé> <NOM> <prénom> en clair."


@dataclass
class Scenario:
    referential: object
    v10: ReferentialVersion
    v11: ReferentialVersion
    levels: dict
    actors: dict
    sections: dict


def build_scenario(*, editor=None) -> Scenario:
    levels = {
        "bloquante": LevelFactory(slug="bloquante", label="Bloquante", rank=1, remediation_delay_days=None),
        "majeure": LevelFactory(slug="majeure", label="Majeure", rank=2),
        "mineure": LevelFactory(slug="mineure", label="Mineure", rank=3),
    }
    actors = {
        "operateur": ActorFactory(slug="operateur", label="Opérateur MSSanté", position=1),
        "editeur-lps": ActorFactory(slug="editeur-lps", label="Éditeur de LPS", position=2),
    }
    referential = ReferentialFactory(
        slug="ref1-mssante",
        code="Ref#1",
        title="Référentiel socle MSSanté #1 – Opérateurs",
        audience="Opérateurs de messagerie MSSanté",
        description="Les exigences que tout **opérateur** respecte pour rejoindre l'espace de confiance.",
    )
    v10 = VersionFactory(referential=referential, number="1.0", change_summary="Version initiale.")
    directory = SectionFactory(version=v10, title="Publication dans l'annuaire", position=1,
                               intro="Ce chapitre traite de la **qualité de l'annuaire**.")
    security = SectionFactory(version=v10, title="Sécurité des échanges", position=2)
    tls = SectionFactory(version=v10, parent=security, title="Chiffrement des flux", position=1)

    def requirement(section, key, title, statement, level, actor_slugs, position, **extra):
        return RequirementFactory(
            version=v10, section=section, key=key, title=title, statement=statement,
        level=levels[level], actors=[actors[s] for s in actor_slugs], position=position, **extra,
        )

    requirement(directory, "MSS 17", "BAL dépubliée", "Une BAL dépubliée de l'annuaire **DOIT** rester ouverte et comptée comme telle.",
                "majeure", ["operateur"], 10, verification_method="Contrôle de l'annuaire")
    requirement(directory, "MSS 19", "Information de l'utilisateur", "L'utilisateur **DOIT** être informé de la dépublication de sa BAL.",
                "mineure", ["operateur", "editeur-lps"], 20)
    requirement(tls, "MSS 30", "Format de l'objet", XDM_STATEMENT, "bloquante", ["editeur-lps"], 30)
    requirement(security, "MSS 40", "Ancien protocole", "Le protocole POP3 **PEUT** être proposé.", "mineure", ["operateur"], 40)
    ThresholdFactory(version=v10, level=levels["bloquante"], max_findings=0)
    ThresholdFactory(version=v10, level=levels["majeure"], max_findings=2)
    v10 = services.publish_version(version=v10, by=editor)  # a real publication: the PDF is built and stored

    v11 = services.start_draft(referential=referential, number="1.1", change_summary="Prise en compte de l'atelier n° 4.", by=editor)
    new = {r.key: r for r in v11.requirements.all()}
    new_sections = {s.title: s for s in v11.sections.all()}
    services.update_requirement(
        requirement=new["MSS 17"],
        statement="Une BAL dépubliée de l'annuaire **DOIT** rester ouverte et être comptée parmi les BAL actives.",
        by=editor,
    )
    services.update_requirement(requirement=new["MSS 19"], key="MSS 19.1", by=editor)
    services.update_requirement(
        requirement=new["MSS 30"], section=new_sections["Publication dans l'annuaire"], by=editor
    )
    services.delete_requirement(requirement=new["MSS 40"], by=editor)
    services.create_requirement(
        version=v11,
        key="MSS 50",
        title="Certificats IGC Santé",
        statement="Les serveurs **DOIVENT** présenter un certificat IGC Santé.",
        level=levels["bloquante"],
        section=new_sections["Chiffrement des flux"],
        actors=[actors["operateur"]],
        by=editor,
    )
    v11 = freeze(v11, ReferentialVersion.Status.CONSULTATION)
    return Scenario(
        referential=referential,
        v10=v10,
        v11=v11,
        levels=levels,
        actors=actors,
        sections={"directory": directory, "security": security, "tls": tls},
    )
