"""The rate limits' counters, when they are kept in PostgreSQL (portal/ratelimit.py)."""

from django.db import models


class RateLimitCounter(models.Model):
    """One fixed window of one limit for one client: `key` names all three."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "rate limit counter"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
