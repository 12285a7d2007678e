"""Network objects the access matrix needs: a contact and a conflict on the Defender's entry, and
an invited account that has not set its password yet."""

from puente.core.roles import Role
from puente.network.models import DefenderConflict, DefenderContact, Invitation
from tests.factories import make_user


def extend(w):
    w.contact = DefenderContact.objects.create(
        defender=w.defender_org, name="Petrona Ajanel Tzoc", position="Directora"
    )
    w.conflict = DefenderConflict.objects.create(
        defender=w.defender_org, party_kind="recruiter", party_name="Reclutadora Laboral del Norte"
    )
    w.invitee = make_user(
        Role.ADVOCATE, email="invited.advocate@example.org", first_name="Megan", last_name="O'Connor", password=None
    )
    Invitation.objects.create(user=w.invitee, invited_by=w.coordinator)
