from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """Who to share with: reference data, likeness, scoring (pure), explanations,
    savings, the Find a partner pages and the evaluation against real partnerships.

    Above offers (it reads listings to find complementary ones), below digests.
    """

    name = "matching"
    verbose_name = "Partner matching"
