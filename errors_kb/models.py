from __future__ import annotations

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import connections, models, router
from django.db.models import Count, Prefetch, Q
from django.urls import reverse

# Resource links: the admin and the importer both run the model's validators (errors_kb/documents.py).
# A code of its own: ModelForm swaps the message of a code its form field knows ("invalid").
WEB_URL = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL.", code="web_url")


class VendorKind(models.TextChoices):
    SIS = "sis", "Student information system"
    LMS = "lms", "LMS API"
    INTEGRATION = "integration", "Integration API"
    # An API that school grade syncs never call, kept because a source document covers it.
    OTHER = "other", "Other API (not a school grade sync)"


class SourceDocument(models.TextChoices):
    DICTIONARY = "canvas-sis-error-code-dictionary.txt", "Canvas SIS Error Code Dictionary"
    INFINITE_CAMPUS = "infinite-campus-grade-passback-errors.txt", "Infinite Campus grade passback errors"
    CLEVER = "clever-lms-connect-grade-passback-errors.md", "Clever LMS Connect grade passback API errors"
    CANVAS_MEDICAL = "canvas-api-http-errors.txt", "Canvas Medical FHIR API errors"
    LTI_THREAD = "canvas-lti11-grade-passback-422-thread.txt", "Community thread: LTI 1.1 grade passback 422"
    CURATOR = "curator", "Written by a curator"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class VendorQuerySet(models.QuerySet):
    def with_entry_counts(self) -> VendorQuerySet:
        return self.annotate(entry_count=Count("entries", filter=Q(entries__status=EntryStatus.PUBLISHED)))


class VendorManager(models.Manager.from_queryset(VendorQuerySet)):
    def get_by_natural_key(self, slug: str) -> Vendor:
        return self.get(slug=slug)


class Vendor(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=20, choices=VendorKind.choices, default=VendorKind.SIS)
    aliases = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="Other names a pasted error may use for this vendor, comma-separated.",
    )
    description = models.TextField(blank=True)
    former_slugs = ArrayField(
        models.SlugField(max_length=100),
        default=list,
        blank=True,
        help_text="Slugs this vendor had before; their URLs redirect here.",
    )
    # Fingerprint of name, kind, aliases and description as last imported; a different
    # current fingerprint means a curator edited the vendor, and imports leave it alone.
    imported_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = VendorManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="vendor_unique_slug"),
            models.UniqueConstraint(fields=["name"], name="vendor_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vendor_detail", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class TopicManager(models.Manager):
    def get_by_natural_key(self, slug: str) -> Topic:
        return self.get(slug=slug)


class Topic(models.Model):
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    # As Vendor.imported_fingerprint: curator edits of a topic survive a re-import.
    imported_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = TopicManager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="topic_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


# How many entries the "same problem" and "related integrations" sections list at most.
SAME_PROBLEM_LIMIT = 6
RELATED_INTEGRATIONS_LIMIT = 6


def _rank_same_family(entry: Entry, topics: list[Topic], candidates: list[Entry], limit: int) -> list[Entry]:
    """Best first: more shared topics; then one entry per vendor before any vendor's second;
    then closeness: the share of words of title and message in common (puts "Grading category
    ... not found" beside its twins) plus half the share of topics in common (an entry wholly
    of this family before one that only touches it); then vendor name and title.

    Which topic is an entry's primary one is not stored (imports sort the slugs), so it
    cannot rank here; the topic share stands in for it.
    """
    words = set(entry.search_tokens)
    own_topics = {topic.id for topic in topics}
    ranked = []
    for other in candidates:
        other_topics = set(other.family_ids)
        shared = own_topics & other_topics
        other.shared_topics = [topic for topic in topics if topic.id in shared]
        other_words = set(other.search_tokens)
        word_share = len(words & other_words) / len(words | other_words) if words | other_words else 0.0
        closeness = word_share + len(shared) / len(own_topics | other_topics) / 2
        ranked.append(((-len(shared), -closeness, other.vendor.name, other.title, other.id), other))
    ranked.sort(key=lambda pair: pair[0])
    chosen: list[Entry] = []
    per_vendor: dict[int, int] = {}
    while ranked and len(chosen) < limit:
        # the best remaining entry of the best shared-topic tier, from the least listed vendor
        position = min(
            range(len(ranked)),
            key=lambda i: (ranked[i][0][0], per_vendor.get(ranked[i][1].vendor_id, 0), i),
        )
        _, other = ranked.pop(position)
        per_vendor[other.vendor_id] = per_vendor.get(other.vendor_id, 0) + 1
        chosen.append(other)
    return chosen


class EntryQuerySet(models.QuerySet):
    def published(self) -> EntryQuerySet:
        return self.filter(status=EntryStatus.PUBLISHED)

    def for_vendor(self, vendor: Vendor) -> EntryQuerySet:
        return self.filter(vendor=vendor)

    def with_listing(self) -> EntryQuerySet:
        return self.select_related("vendor").prefetch_related("topics")

    def refresh_search_data(self) -> int:
        """Recompute the words these entries are found by (after the code that derives them
        changed); returns how many changed. SearchToken counts follow (search_index.py)."""
        from errors_kb.matching.index import entry_content_tokens, entry_search_tokens

        changed = []
        for entry in self.prefetch_related("topics", "causes__steps"):
            search = entry_search_tokens(entry.title, entry.message, entry.variants, entry.phrases)
            content = entry_content_tokens(entry.prose_texts())
            if (search, content) != (entry.search_tokens, entry.content_tokens):
                entry.search_tokens, entry.content_tokens = search, content
                changed.append(entry)
        Entry.objects.bulk_update(changed, ["search_tokens", "content_tokens"], batch_size=500)
        return len(changed)

    def with_details(self) -> EntryQuerySet:
        top_steps = Step.objects.filter(parent__isnull=True).prefetch_related("children")
        return self.select_related("vendor").prefetch_related(
            "topics",
            "resources",
            Prefetch("causes", queryset=Cause.objects.prefetch_related(Prefetch("steps", queryset=top_steps))),
        )

    def same_problem_as(self, entry: Entry) -> list[Entry]:
        """Published SIS entries of other vendors in the entry's problem family, best first.

        For an SIS entry: "the same problem in other SIS". A Clever or LTI entry gets the SIS
        entries of its family too (its page words the heading differently); an entry of an
        API that school syncs never call (kind "other", e.g. Canvas Medical) gets none.
        Each result has its vendor loaded and carries `shared_topics`: the entry's topics it
        shares, in name order.
        """
        return self.related_links(entry, kinds=(VendorKind.SIS,))["same_problem"]

    def related_integrations(self, entry: Entry) -> list[Entry]:
        """Published Clever / LTI (kind integration) entries of other vendors in the entry's
        family, best first; never kind "other", and none for a kind "other" entry."""
        return self.related_links(entry, kinds=(VendorKind.INTEGRATION,))["related_integrations"]

    def related_links(
        self, entry: Entry, kinds: tuple[str, ...] = (VendorKind.SIS, VendorKind.INTEGRATION)
    ) -> dict[str, list[Entry]]:
        """Both lists of the entry page from one query:
        {"same_problem": same_problem_as(entry), "related_integrations": related_integrations(entry)}.
        Expects entry.vendor and entry.topics loaded (with_details), else loads them.
        """
        links: dict[str, list[Entry]] = {"same_problem": [], "related_integrations": []}
        topics = list(entry.topics.all())
        if not topics or entry.vendor.kind == VendorKind.OTHER:
            return links
        sharing = Entry.topics.through.objects.filter(topic_id__in=[topic.id for topic in topics]).values("entry_id")
        candidates = list(
            self.published()
            .filter(vendor__kind__in=kinds, id__in=sharing)
            .exclude(vendor_id=entry.vendor_id)
            .select_related("vendor")
            .annotate(family_ids=ArrayAgg("topics__id"))
        )
        for name, kind, limit in (
            ("same_problem", VendorKind.SIS, SAME_PROBLEM_LIMIT),
            ("related_integrations", VendorKind.INTEGRATION, RELATED_INTEGRATIONS_LIMIT),
        ):
            of_kind = [other for other in candidates if other.vendor.kind == kind]
            links[name] = _rank_same_family(entry, topics, of_kind, limit)
        return links


class EntryManager(models.Manager.from_queryset(EntryQuerySet)):
    def get_by_natural_key(self, vendor_slug: str, title: str, message: str) -> Entry:
        return self.get(vendor__slug=vendor_slug, title=title, message=message)


class Entry(models.Model):
    # Stable identity for imports: kept when a curator renames the title, slug or message.
    key = models.CharField(max_length=200, help_text="Stable identifier of the entry in the import files.")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="entries")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    message = models.TextField(help_text="The error message as the source words it, placeholders included.")
    variants = ArrayField(
        models.TextField(),
        default=list,
        blank=True,
        help_text="Other wordings of the same message that a paste may carry.",
    )
    phrases = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        verbose_name="also described as",
        help_text="How people describe this problem in their own words, one phrase a line.",
    )
    is_generic = models.BooleanField(
        "generic message",
        default=False,
        help_text=(
            "Tick when countless systems emit this message (an HTTP reason phrase, a web framework's default "
            "error): alone it is never a confident answer, only with the vendor named, picked or other context."
        ),
    )
    http_status = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        # the same range as the check constraint, so forms and imports say so before the database does
        validators=[MinValueValidator(100), MaxValueValidator(599)],
    )
    error_code = models.CharField(max_length=100, blank=True)
    blocks_sync = models.BooleanField(
        default=True, help_text="Untick when the error does not prevent other grades from posting."
    )
    notes = models.TextField(blank=True, help_text="A note for readers, shown on the public entry page.")
    internal_notes = models.TextField(
        blank=True, help_text="Editorial notes for staff (source oddities, decisions); never shown to the public."
    )
    former_slugs = ArrayField(
        models.SlugField(max_length=200),
        default=list,
        blank=True,
        help_text="Slugs this entry had before; their URLs redirect here.",
    )
    source = models.CharField(max_length=60, choices=SourceDocument.choices, default=SourceDocument.CURATOR)
    status = models.CharField(max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    topics = models.ManyToManyField(Topic, related_name="entries", blank=True)
    # Distinct fixed words of the title, message and variants: what retrieval matches on.
    search_tokens = ArrayField(models.CharField(max_length=100), default=list, blank=True, editable=False)
    # Words of everything else a reader may describe it by: meanings, steps, topics, phrases.
    content_tokens = ArrayField(models.CharField(max_length=100), default=list, blank=True, editable=False)
    # Fingerprint of the content as last imported; a different current fingerprint
    # means a curator edited the entry since, and imports leave it alone.
    imported_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    reviewed_at = models.DateField(
        "last reviewed", null=True, blank=True, help_text="When a curator last checked the entry against its sources."
    )
    # "Did this fix it?" votes, counted with F() so concurrent votes never lose one.
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    not_helpful_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryManager()

    class Meta:
        ordering = ["vendor__name", "title", "id"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(fields=["vendor", "slug"], name="entry_unique_vendor_slug"),
            models.UniqueConstraint(fields=["vendor", "title", "message"], name="entry_unique_natural_key"),
            models.UniqueConstraint(fields=["key"], name="entry_unique_key"),
            models.CheckConstraint(
                condition=Q(http_status__isnull=True) | Q(http_status__gte=100, http_status__lte=599),
                name="entry_http_status_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "vendor"], name="entry_status_vendor_idx"),
            models.Index(fields=["http_status"], name="entry_http_status_idx"),
            # No pending list: after a bulk import, searches would scan it unindexed until
            # the next vacuum (p95 went from 23 ms to 199 ms at 100,000 entries).
            GinIndex(fields=["search_tokens"], name="entry_search_tokens_gin", fastupdate=False),
            GinIndex(fields=["content_tokens"], name="entry_content_tokens_gin", fastupdate=False),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.name}: {self.title}"

    def save(self, *args, **kwargs) -> None:
        from errors_kb.matching.index import entry_search_tokens

        self.search_tokens = entry_search_tokens(self.title, self.message, self.variants, self.phrases)
        if not self.key:
            self.key = f"{self.vendor.slug}.{self.slug}"
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "message", "variants", "phrases"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_tokens"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("entry_detail", args=[self.vendor.slug, self.slug])

    def prose_texts(self) -> list[str]:
        """What explains the entry (topics, meanings, notes, steps): searched as own words."""
        texts = [topic.name for topic in self.topics.all()]
        for cause in self.causes.all():
            texts += [cause.meaning, cause.note, *(step.text for step in cause.steps.all())]
        return texts

    def refresh_content_tokens(self) -> None:
        """Recompute the words of the entry's prose after its causes, steps or topics changed."""
        from errors_kb.matching.index import entry_content_tokens

        self.content_tokens = entry_content_tokens(self.prose_texts())
        Entry.objects.filter(pk=self.pk).update(content_tokens=self.content_tokens)

    @property
    def is_error(self) -> bool:
        """False for a documented success status (2xx), which some API pages list beside their errors."""
        return self.http_status is None or not 200 <= self.http_status < 300

    def natural_key(self) -> tuple[str, str, str]:
        return (self.vendor.slug, self.title, self.message)

    natural_key.dependencies = ["errors_kb.vendor", "errors_kb.topic"]


class Cause(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="causes")
    position = models.PositiveSmallIntegerField(default=1)
    meaning = models.TextField(help_text="What it means.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["entry", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="cause_unique_entry_position"),
        ]

    def __str__(self) -> str:
        return f"{self.entry.title}: cause {self.position}"

    def natural_key(self) -> tuple:
        return (*self.entry.natural_key(), self.position)

    natural_key.dependencies = ["errors_kb.entry"]


class Step(models.Model):
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="steps")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, related_name="children", null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=1)
    text = models.TextField()

    class Meta:
        ordering = ["cause", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cause", "parent", "position"],
                name="step_unique_cause_parent_position",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self) -> tuple:
        parent = self.parent.position if self.parent_id else None
        return (*self.cause.natural_key(), parent, self.position)

    natural_key.dependencies = ["errors_kb.cause"]


class Resource(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="resources")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=300)
    # http(s) only: URLField alone takes ftp:// too, and pages link these for teachers.
    url = models.URLField(blank=True, max_length=500, validators=[WEB_URL])

    class Meta:
        ordering = ["entry", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="resource_unique_entry_position"),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple:
        return (*self.entry.natural_key(), self.position)

    natural_key.dependencies = ["errors_kb.entry"]


class SearchTokenQuerySet(models.QuerySet):
    def refresh(self) -> None:
        """Recount how many published entries hold each word, in their templates and in their
        prose; retrieval weighs words by it. Only bulk loads need it: triggers keep the counts
        right after every other write (errors_kb/search_index.py). Inside
        search_index.bulk_load() the recount is left to the end of the block, which makes it."""
        from errors_kb import search_index

        if not search_index.in_bulk_load():
            search_index.rebuild()


class SearchToken(models.Model):
    """Document frequency of each word of the published templates."""

    token = models.CharField(max_length=100)
    entry_count = models.PositiveIntegerField(default=0)  # published entries whose templates hold it
    content_count = models.PositiveIntegerField(default=0)  # ... whose prose (meanings, steps, phrases) holds it

    objects = SearchTokenQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token"], name="searchtoken_unique_token")]
        indexes = [GinIndex(fields=["token"], name="searchtoken_token_trgm", opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return f"{self.token} ({self.entry_count})"


class SearchGap(models.Model):
    """A search that ended without a confident answer, masked before it is written: values
    replaced by placeholders, capped in length; no IP, no user, no raw paste."""

    masked_text = models.CharField(max_length=500)
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-count", "-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["masked_text", "vendor"], name="searchgap_unique_text_vendor", nulls_distinct=False
            ),
        ]
        indexes = [
            models.Index(fields=["-count", "-last_seen"], name="searchgap_top_idx"),
            models.Index(fields=["last_seen"], name="searchgap_last_seen_idx"),
        ]

    def __str__(self) -> str:
        return self.masked_text


class Feedback(models.Model):
    """One "Did this fix it?" answer; the optional comment is masked like searches."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        indexes = [models.Index(fields=["entry", "-created_at"], name="feedback_entry_recent_idx")]

    def __str__(self) -> str:
        return f"{self.entry}: {'yes' if self.helpful else 'no'}"


class DictionaryGenerationQuerySet(models.QuerySet):
    def current(self) -> int | None:
        """The generation now; None while the row is missing (right after a flush, until the
        next write re-creates it), which caches read as "keep nothing"."""
        # A plain cursor: this runs once a request, and the ORM's compiling would triple its cost.
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT value FROM {self.model._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else None

    def move_past_a_restore(self) -> int:
        """After a restore. pg_restore sets the sequence back to the backup's value, so the numbers
        handed out since would come again for other data while a worker may still hold one of
        them. Jump to the clock in milliseconds (far past any count of writes), then move."""
        with connections[router.db_for_write(self.model)].cursor() as cursor:
            cursor.execute(
                "SELECT setval('errors_kb_dictionary_generation_seq', greatest(last_value,"
                " (extract(epoch FROM clock_timestamp()) * 1000)::bigint)) FROM errors_kb_dictionary_generation_seq"
            )
            cursor.execute("SELECT errors_kb_dictionary_changed_now()")
        return self.using(router.db_for_write(self.model)).current()


class DictionaryGeneration(models.Model):
    """One row whose `value` changes whenever anything a search or an entry page reads changes.

    Statement-level triggers (migration 0011) on the vendor, topic, entry, cause, step,
    resource and search-word tables set it to the next value of a sequence of its own, in the
    writing transaction: readers see the new value exactly when they can see the new rows,
    and a rolled-back change never hands its number to another state of the data. The
    worker-memory caches of errors_kb/dictionary_cache.py are keyed by it."""

    value = models.BigIntegerField()

    objects = DictionaryGenerationQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="dictionarygeneration_single_row")]

    def __str__(self) -> str:
        return f"generation {self.value}"
