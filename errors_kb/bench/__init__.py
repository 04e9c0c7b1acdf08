"""The search benchmark (`make bench`): synthetic dictionaries, paste cases, crafted
worst-case pastes, baselines and the measurements. Never imported by the serving code;
`manage.py bench` is its door.

- synthetic.py  a seeded generator of look-alike entries, and growing the bench database
- cases.py      case files in the ../shared/eval format, hand-written per-entry pastes,
                filled templates, multi-error reports (20-error ones built from pastes)
- crafted.py    worst-case pastes at the search's length cap
- baselines.py  what the portal would do without its matcher
- measure.py    scoring exactly like ../shared/eval/check_search.py and check_multi.py,
                latency, database queries, memory
- run.py        the whole run: sizes, tables, targets
"""
