"""Repair comments stored before text was normalised at the service boundary: line breaks as LF,
Unicode NFC, no trailing spaces; a proposed wording equal to the text it was written on (the
browser's CRLF copy of the pre-filled statement) is no proposal. History rows keep what was sent."""

import unicodedata

from django.db import migrations


def _normalise(value):
    # A copy of referential.text.normalise_text as it stood: a migration must not follow later edits.
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.split("\n")).strip("\n")


def normalise_comments(apps, schema_editor):
    Comment = apps.get_model("consultation", "Comment")
    Answer = apps.get_model("consultation", "Answer")
    for comment in Comment.objects.iterator():
        body = _normalise(comment.body)
        commented = _normalise(comment.commented_text)
        wording = _normalise(comment.proposed_wording)
        if comment.requirement_id is not None and wording == commented:
            wording = ""
        if (body, commented, wording) != (comment.body, comment.commented_text, comment.proposed_wording):
            Comment.objects.filter(pk=comment.pk).update(body=body, commented_text=commented, proposed_wording=wording)
    for answer in Answer.objects.iterator():
        body = _normalise(answer.body)
        if body != answer.body:
            Answer.objects.filter(pk=answer.pk).update(body=body)


class Migration(migrations.Migration):
    dependencies = [("consultation", "0004_comment_commented_text")]

    operations = [migrations.RunPython(normalise_comments, migrations.RunPython.noop)]
