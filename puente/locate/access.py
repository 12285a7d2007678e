"""What each user may see of people and reunification work, as querysets.

- Coordinators: everyone.
- Advocates: the clients of their own cases, and people who consented to share their data with
  them by name (``PersonConsent``, not withdrawn).
- Defenders: the clients of cases assigned to their organisation, and the people a reunification
  project asked them to search for. In projects they see only their own assignments.
"""

from django.db.models import Q

from .models import Person, ProjectPerson, ReunificationProject


def visible_people(user):
    if not user.is_authenticated or not user.is_active:
        return Person.objects.none()
    if user.is_coordinator:
        return Person.objects.all()
    if user.is_advocate:
        advocate = getattr(user, "advocate", None)
        if advocate is None:
            return Person.objects.none()
        return Person.objects.filter(
            Q(client_cases__advocate=advocate) | Q(consents__advocate=advocate, consents__withdrawn_at__isnull=True)
        ).distinct()
    if user.is_defender and user.defender_id:
        return Person.objects.filter(
            Q(client_cases__defender_id=user.defender_id) | Q(project_entries__defender_id=user.defender_id)
        ).distinct()
    return Person.objects.none()


def visible_projects(user):
    if not user.is_authenticated or not user.is_active:
        return ReunificationProject.objects.none()
    if user.is_coordinator:
        return ReunificationProject.objects.all()
    if user.is_defender and user.defender_id:
        return ReunificationProject.objects.filter(people__defender_id=user.defender_id).distinct()
    return ReunificationProject.objects.none()


def visible_entries(user):
    """The people-to-find rows a user may open and work on."""
    if not user.is_authenticated or not user.is_active:
        return ProjectPerson.objects.none()
    if user.is_coordinator:
        return ProjectPerson.objects.all()
    if user.is_defender and user.defender_id:
        return ProjectPerson.objects.filter(defender_id=user.defender_id)
    return ProjectPerson.objects.none()
