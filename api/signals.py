"""The taxonomy generation: moves on when a service family or service changes.

Staff edit the taxonomy in the Django admin; nothing else in the site caches it,
so the API keeps its own counter rather than asking offers to bump one. The
bump runs inside the admin's save transaction (core.generations).
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.generations import generation_bump
from offers.models import Service, ServiceFamily

TAXONOMY_GENERATION = "api:taxonomy"


@receiver([post_save, post_delete], sender=Service)
@receiver([post_save, post_delete], sender=ServiceFamily)
def taxonomy_changed(sender: Any, **kwargs: Any) -> None:
    generation_bump(TAXONOMY_GENERATION)
